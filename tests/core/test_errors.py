"""Error answers: Vietnamese, fragment-aware, and a domain's own message wins."""

from __future__ import annotations

from flask import abort
from werkzeug.exceptions import RequestEntityTooLarge


def _probe(app, view):  # type: ignore[no-untyped-def]
    view._public = True
    app.add_url_rule(f"/_probe_{view.__name__}", view_func=view, methods=["GET", "POST"])


def test_a_body_over_the_limit_is_413_naming_the_limit(app, client) -> None:
    def plain():  # type: ignore[no-untyped-def]
        raise RequestEntityTooLarge()

    _probe(app, plain)
    response = client.get("/_probe_plain")
    assert response.status_code == 413
    assert f"tối đa {app.config['SODIENTU_UPLOAD_MAX_MB']} MB" in response.text


def test_a_specific_413_message_is_kept(app, client) -> None:
    def evidence():  # type: ignore[no-untyped-def]
        raise RequestEntityTooLarge("Tệp minh chứng quá lớn (tối đa 5 MB).")

    _probe(app, evidence)
    response = client.get("/_probe_evidence")
    assert response.status_code == 413
    assert "Tệp minh chứng quá lớn (tối đa 5 MB)." in response.text


def test_htmx_errors_are_fragments_with_the_message(app, client) -> None:
    def conflict():  # type: ignore[no-untyped-def]
        abort(409, description="Ô này vừa được người khác sửa.")

    _probe(app, conflict)
    response = client.htmx("GET", "/_probe_conflict")
    assert response.status_code == 409
    assert "<html" not in response.text
    assert "Ô này vừa được người khác sửa." in response.text
