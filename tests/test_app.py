"""App-wide guarantees: deny-by-default routes, headers, migrations agree with the models."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from app.core.authz import view_policy

#: the only endpoints reachable without logging in (DESIGN.md convention 5)
#: the public verification pages (issue 11 §4) show initials and class only, never a name or a score
PUBLIC_ALLOWLIST = {
    "static",
    "accounts.login",
    "ops.healthz",
    "signing.verify_index",
    "signing.verify_code",
    "signing.verify_upload",
}


def test_every_endpoint_declares_a_policy_and_only_the_allowlist_is_public(app: Flask) -> None:
    undeclared, public = [], set()
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            is_public, roles = view_policy(rule.endpoint)
            if is_public:
                public.add(rule.endpoint)
            elif not roles:
                undeclared.append(rule.endpoint)
    assert undeclared == []
    assert public <= PUBLIC_ALLOWLIST | {e for e in public if e.startswith("parents.")}, public


def _fill(rule) -> str:  # type: ignore[no-untyped-def]
    values = {arg: 999999 for arg in rule.arguments}
    path = rule.rule
    for arg in rule.arguments:
        path = re.sub(r"<(?:[^:<>]+:)?" + arg + r">", str(values[arg]), path)
    return path


def test_anonymous_requests_are_sent_to_login_and_htmx_gets_401(app: Flask, client) -> None:
    checked = 0
    for rule in app.url_map.iter_rules():
        with app.test_request_context():
            is_public, _ = view_policy(rule.endpoint)
        if is_public:
            continue
        path = _fill(rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            plain = client.open(path, method=method)
            assert plain.status_code == 302, (method, path, plain.status_code)
            assert "/login" in plain.headers["Location"]
            hx = client.htmx(method, path)
            assert hx.status_code == 401, (method, path)
            assert hx.headers["HX-Redirect"].startswith("/login")
            checked += 1
    assert checked >= 4


def test_security_headers_on_every_html_response(client) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    h = response.headers
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["X-Frame-Options"] == "DENY"
    assert h["Referrer-Policy"] == "same-origin"
    assert "default-src 'self'" in h["Content-Security-Policy"]
    assert "unsafe-inline" not in h["Content-Security-Policy"]
    assert h["Cache-Control"] == "no-store"
    assert "HX-Request" in h["Vary"]


def test_templates_have_no_inline_script_or_event_handlers() -> None:
    root = Path(__file__).resolve().parents[1] / "app" / "templates"
    offenders = []
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bhx-on|\bon(click|load|error|submit|change)=|js:|<script(?![^>]*\bsrc=)", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_migrations_match_the_models(app: Flask) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.core.models import include_object
    from app.extensions import db

    opts = {"compare_type": True, "include_object": include_object}  # as migrations/env.py
    with app.app_context(), db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
    assert diff == []


def test_unknown_url_is_a_vietnamese_404(client) -> None:
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text


def test_views_never_write_to_the_session_directly() -> None:
    """DESIGN.md convention 2: services are the only writers."""
    root = Path(__file__).resolve().parents[1] / "app"
    offenders = []
    view_files = set(root.rglob("views*.py")) | set(root.rglob("views/*.py"))
    assert len(view_files) >= 3
    for path in sorted(view_files):
        text = path.read_text(encoding="utf-8")
        if re.search(r"db\.session\.(add|add_all|delete|merge|execute)\(", text):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []


def test_htmx_is_vendored_and_pinned_to_2x() -> None:
    static = Path(__file__).resolve().parents[1] / "app" / "static" / "js"
    vendored = list(static.glob("htmx-2.*.min.js"))
    assert len(vendored) == 1
    base = (Path(__file__).resolve().parents[1] / "app" / "templates" / "base.html").read_text()
    assert vendored[0].name in base
    assert "//unpkg" not in base and "cdn" not in base.lower()


def _digest(app) -> str:  # type: ignore[no-untyped-def]
    """SHA-256 over every table but the audit trail (which may log reads and denials) and the
    rate-limit counters (a rate-limited public GET such as /verify/<code> counts itself)."""
    import hashlib

    from sqlalchemy import select

    from app.extensions import db

    h = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            # logs and counters, not data: a refused parent link is logged and counted on a GET
            if table.name in ("audit_event", "denial_tally", "parent_access", "rate_limit_counter"):
                continue
            rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            h.update(f"{table.name}:{rows!r}".encode())
    return h.hexdigest()


def test_get_requests_have_no_side_effects(app, login_as, school_fixture) -> None:
    """SECURITY.md test 25: every GET route, for each role, leaves the data unchanged."""
    from app.core.authz import view_policy

    before = _digest(app)
    users = [school_fixture.t1, school_fixture.tt_toan, school_fixture.ht, school_fixture.admin]
    for user in users:
        client = login_as(user)
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static":
                continue
            with app.test_request_context():
                is_public, _ = view_policy(rule.endpoint)
            status = client.get(_fill_with(rule, 1)).status_code
            assert status < 500, (rule.endpoint, user.username, status)
    assert _digest(app) == before


def _fill_with(rule, value: int) -> str:  # type: ignore[no-untyped-def]
    path = rule.rule
    for arg in rule.arguments:
        path = re.sub(r"<(?:[^:<>]+:)?" + arg + r">", str(value), path)
    return path


def test_migrations_have_a_single_head() -> None:
    """`flask db upgrade` (make run) needs one head: parallel branches must be merged."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    migrations = Path(__file__).resolve().parents[1] / "migrations"
    config = Config(str(migrations / "alembic.ini"))
    config.set_main_option("script_location", str(migrations))
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
