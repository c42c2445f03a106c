"""Links: hashed tokens, the two-step opening, 404s alike, revocation, expiry, the cookie."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import inspect, select, text

from app.extensions import db
from tests.parents.conftest import NAMES, issue, open_as_parent


def _link(app, token):  # type: ignore[no-untyped-def]
    from app.parents import tokens
    from app.parents.models import ParentLink

    with app.app_context():
        return db.session.scalars(select(ParentLink).where(ParentLink.token_hash == tokens.token_hash(token))).one()


def test_token_is_256_bits_url_safe_and_only_its_hash_is_stored(app, client, parents_school, as_user) -> None:
    ns = parents_school
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])
    assert len(token) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    link = _link(app, token)
    assert re.fullmatch(r"[0-9a-f]{64}", link.token_hash)
    open_as_parent(client, token)
    client.get("/p/view")
    # the token in clear appears in no column of any table (the access log holds a prefix of the hash)
    with app.app_context():
        hits = []
        for table in inspect(db.engine).get_table_names():
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')):
                if any(token in str(v) for v in row):
                    hits.append(table)
        assert hits == []


def test_preview_bot_get_shows_a_neutral_page_and_consumes_nothing(app, client, parents_school, as_user) -> None:
    from app.parents.models import ParentAccess

    ns = parents_school
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])
    for agent in ("facebookexternalhit/1.1", "Zalo", "TelegramBot", "WhatsApp/2", "curl/8", ""):
        r = client.get(f"/p/{token}", headers={"User-Agent": agent})
        body = r.get_data(as_text=True)
        assert r.status_code == 200 and "Xem báo liên lạc" in body
        assert not any(n in body for n in NAMES) and "7A1" not in body and "Canary" not in body
        assert "set-cookie" not in {k.lower() for k in r.headers.keys()} or "pview" not in r.headers.get(
            "Set-Cookie", ""
        )
    link = _link(app, token)
    assert link.open_count == 0 and link.first_opened_at is None
    with app.app_context():
        assert db.session.scalars(select(ParentAccess).where(ParentAccess.event == "open")).all() == []
    assert client.get("/p/view").status_code == 404  # nothing opened by the GETs


def test_post_opens_redirects_to_a_token_free_url_with_a_short_strict_cookie(
    app, client, parents_school, as_user
) -> None:
    ns = parents_school
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])
    r = open_as_parent(client, token)
    assert r.status_code == 303 and r.headers["Location"].endswith("/p/view") and token not in r.headers["Location"]
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert int(re.search(r"Max-Age=(\d+)", cookie).group(1)) <= 1800  # type: ignore[union-attr]
    assert token not in cookie
    page = client.get("/p/view")
    assert page.status_code == 200 and NAMES[0] in page.get_data(as_text=True)
    link = _link(app, token)
    assert link.open_count == 1 and link.first_opened_at is not None and link.last_opened_at is not None


def test_the_post_needs_csrf(app, client, parents_school, as_user) -> None:
    ns = parents_school
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])
    assert client.post(f"/p/{token}", csrf=False).status_code == 400


def test_unknown_expired_revoked_and_replaced_links_all_answer_the_same_404(
    app, client, parents_school, as_user
) -> None:
    from app.core.models import utcnow
    from app.parents import queries, services
    from app.parents.models import ParentLink

    ns = parents_school
    g0, g1, g2 = (ns.guardians[s.id] for s in ns.students[:3])
    revoked, expired = issue(as_user, ns.gvcn, ns.cls.id, g0), issue(as_user, ns.gvcn, ns.cls.id, g1)
    replaced = issue(as_user, ns.gvcn, ns.cls.id, g2)
    fresh = issue(as_user, ns.gvcn, ns.cls.id, g2)  # re-issue: the previous link stops
    revoked_id, expired_id = _link(app, revoked).id, _link(app, expired).id
    as_user(ns.gvcn, lambda a: services.revoke_link(a, queries.class_link(a, revoked_id)))

    def expire(_a):  # type: ignore[no-untyped-def]
        db.session.get(ParentLink, expired_id).expires_at = utcnow() - timedelta(seconds=1)

    as_user(None, expire)
    bodies = set()
    for token in (revoked, expired, replaced, "x" * 43, "A" * 43, "nope", "%00" * 5):
        for method in ("get", "post"):
            r = getattr(client, method)(f"/p/{token}")
            assert r.status_code == 404, (token, method)
            bodies.add(r.get_data())
    assert len(bodies) == 1
    assert open_as_parent(client, fresh).status_code == 303


def test_revoking_stops_an_open_session_at_once(app, client, parents_school, as_user) -> None:
    from app.parents import queries, services

    ns = parents_school
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])
    open_as_parent(client, token)
    assert client.get("/p/view").status_code == 200
    link_id = _link(app, token).id
    as_user(ns.gvcn, lambda a: services.revoke_link(a, queries.class_link(a, link_id)))
    assert client.get("/p/view").status_code == 404
    assert client.get(f"/p/{token}").status_code == 404


def test_a_forged_cookie_opens_nothing(app, client, parents_school, as_user) -> None:
    client.set_cookie("sodientu_pview", "eyJsIjoxLCJoIjoiMDAwMCJ9.forged.sig")
    assert client.get("/p/view").status_code == 404


def test_leak_resistant_headers_on_every_parent_response(app, client, parents_school, as_user) -> None:
    ns = parents_school
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])
    responses = [client.get(f"/p/{token}"), client.get("/p/" + "z" * 43), client.post(f"/p/{token}")]
    responses += [client.get("/p/view"), client.get(f"/p/view/{ns.snapshots[(ns.students[0].id, 'month')]}")]
    for r in responses:
        assert r.headers["Cache-Control"] == "no-store", r.status_code
        assert r.headers["X-Robots-Tag"] == "noindex, nofollow, noarchive"
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert "Cookie" in r.headers.get("Vary", "")
        assert "http" not in re.sub(
            r"https?://localhost", "", " ".join(re.findall(r'(?:src|href)="([^"]*)"', r.get_data(as_text=True)))
        )


def test_access_log_records_opens_views_and_failures_with_a_hash_prefix_only(
    app, client, parents_school, as_user
) -> None:
    from app.parents.models import ParentAccess

    ns = parents_school
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])
    open_as_parent(client, token)
    client.get("/p/view")
    client.get("/p/" + "q" * 43, headers={"User-Agent": "Zalo"})
    with app.app_context():
        rows = db.session.scalars(select(ParentAccess).order_by(ParentAccess.id)).all()
        events = [(r.event, r.outcome) for r in rows]
        assert ("open", "ok") in events and ("view", "ok") in events and ("failed", "unknown") in events
        failed = next(r for r in rows if r.event == "failed")
        assert len(failed.token_prefix) == 8 and failed.ip == "127.0.0.1" and failed.user_agent == "Zalo"
        assert all(token not in (r.token_prefix + r.user_agent) for r in rows)
