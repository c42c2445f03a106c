# ruff: noqa: F811  (fixtures imported from tests/signing/test_verify_fixtures.py)
"""GET /verify/<code>: public, says what was issued to whom as initials and class only —
never the full name, a score or another identifying fact of the snapshot — no-store,
noindex; unknown codes 404 with the same page; superseded documents name the newer code;
rate-limited per IP (429)."""

from __future__ import annotations

import re

from sqlalchemy import update

from app.extensions import db
from app.signing import verification
from tests.signing.test_verify_fixtures import closed, gb, issued  # noqa: F401


def _scores(payload: dict) -> set[str]:  # type: ignore[type-arg]
    """Every score string of the snapshot, as stored ("8.0") and as printed ("8,0")."""
    found: set[str] = set()
    for subject in payload["subjects"]:
        for term in subject["terms"].values():
            for key in ("tx", "gk", "ck", "result"):
                values = term.get(key) or []
                for v in values if isinstance(values, list) else [values]:
                    if v and re.fullmatch(r"\d+(\.\d+)?", str(v)):
                        found |= {str(v), str(v).replace(".", ",")}
    return found


def test_initials_are_the_first_letters_of_each_word_in_nfc() -> None:
    assert verification.initials("Nguyễn Thị Ngọc Ánh") == "N.T.N.Á"
    assert verification.initials("nguye\u0302\u0303n  thi\u0323 a\u0301nh") == "N.T.Á"  # NFD input
    assert verification.initials("") == "—"


def test_codes_are_normalised_or_refused() -> None:
    assert verification.normalise_code(" 7kq4 m2xd ") == "7KQ4-M2XD"
    assert verification.normalise_code("7KQ4M2XD") == "7KQ4-M2XD"
    assert verification.normalise_code("7KQ4-M2X0") is None  # 0 is not in the alphabet
    assert verification.normalise_code("'; drop table") is None


def test_the_public_page_names_initials_and_class_never_the_name_or_a_score(app, issued) -> None:
    ns = issued
    response = app.test_client().get(f"/verify/{ns.doc.code}")  # no login
    assert response.status_code == 200
    page = response.text
    assert "N.C.B — lớp 10A1" in page  # Nguyễn Canary-A01 Bích
    assert "Báo liên lạc" in page and "Học kỳ I · năm học 2024-2025" in page and "Còn hiệu lực" in page
    assert "Hoàng Văn Chủ Nhiệm" in page  # the issuer (the GVCN) and their role
    assert ns.doc.code in page
    student = ns.snapshot.data["student"]
    leaks = [ns.full_name, *ns.full_name.split(), student["code"], student["birth_date"], "17/05/2012"]
    assert [x for x in leaks if len(x) > 2 and x in page] == []
    scores = _scores(ns.snapshot.data)
    assert scores and [s for s in scores if s in page] == []
    assert ns.snapshot.data["remark"] not in page
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_an_unknown_or_malformed_code_is_a_plain_404(app, issued) -> None:
    client = app.test_client()
    known = client.get(f"/verify/{issued.doc.code}")
    for code in ("ZZZZ-ZZZZ", "nope", "7KQ4-M2X0"):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404
        assert "Không tìm thấy văn bản nào có mã này" in response.text
        assert "N.C.B" not in response.text and "10A1" not in response.text
        assert "noindex" in response.headers["X-Robots-Tag"] and response.headers["Cache-Control"] == "no-store"
    # the same page shape: the same template, the status line in the same place
    assert known.text.count('id="verify-status"') == response.text.count('id="verify-status"') == 1


def test_a_superseded_document_names_the_newer_code(app, issued, as_user) -> None:
    from app.reports.models import IssuedDocument
    from tests.reports.test_issue_fixtures import documents, issue_card

    ns = issued
    issue_card(as_user, ns.gvcn, ns.c10a1.id, ns.ids[1])
    newer = documents(app)[-1]
    with app.app_context():
        db.session.execute(
            update(IssuedDocument)
            .where(IssuedDocument.id == ns.doc.id)
            .values(status="superseded", superseded_by_id=newer.id)
        )
        db.session.commit()
    page = app.test_client().get(f"/verify/{ns.doc.code}").text
    assert "Đã được thay thế bằng bản mới hơn" in page and "Bản mới hơn có mã" in page and newer.code in page


def test_the_code_form_redirects_to_the_normalised_code(app, issued) -> None:
    client = app.test_client()
    form = client.get("/verify")
    assert form.status_code == 200 and 'name="code"' in form.text
    raw = issued.doc.code.lower().replace("-", " ")
    response = client.get("/verify", query_string={"code": raw})
    assert response.status_code in (302, 303) and response.headers["Location"].endswith(f"/verify/{issued.doc.code}")


def test_the_page_is_rate_limited_per_ip(app, issued) -> None:
    app.config["SODIENTU_VERIFY_RATE"] = "3 per minute"
    client = app.test_client()
    codes = [client.get(f"/verify/{issued.doc.code}").status_code for _ in range(3)]
    codes.append(client.get("/verify").status_code)  # one budget for every verify page
    assert codes == [200, 200, 200, 429]
    assert "429" in str(codes) and client.get("/verify/ZZZZ-ZZZZ").status_code == 429
    other_ip = app.test_client().get(f"/verify/{issued.doc.code}", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other_ip.status_code == 200
