"""Rate limit on failures, the second factor's lockout, the GVCN pages' scope, the log's retention."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from tests.parents.conftest import issue, open_as_parent


def _client(app, ip):  # type: ignore[no-untyped-def]
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def test_10000_random_tokens_all_404_then_429_while_a_valid_link_elsewhere_still_opens(
    app, parents_school, as_user
) -> None:
    """Issue 12 §5: 10,000 random 256-bit tokens from one IP (the test client, through the
    shared database counter every worker uses): the first 20 get the one plain 404, every
    later one 429 with Retry-After; a near miss of a real token too; a family on another IP
    still opens its link. Measured 81 s on the shared 2-core machine (load average 4.5;
    about 5 ms a request once limited: the limiter answers before any lookup, with the
    plain 429 of app/parents/views/common.py — no template)."""
    from app.parents.models import ParentAccess
    from app.parents.views.common import PLAIN_404

    ns = parents_school
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])
    scanner = _client(app, "10.0.0.66")
    guesses = {secrets.token_urlsafe(32) for _ in range(10_000)}
    assert len(guesses) == 10_000 and token not in guesses
    statuses, bodies, retry = [], set(), set()
    for guess in guesses:
        r = scanner.get(f"/p/{guess}")
        statuses.append(r.status_code)
        if r.status_code == 404:
            bodies.add(r.get_data(as_text=True))
        else:
            retry.add(bool(r.headers.get("Retry-After")))
    assert statuses[:20] == [404] * 20 and statuses.count(429) == 10_000 - 20
    assert bodies == {PLAIN_404} and retry == {True}
    near_miss = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert scanner.get(f"/p/{near_miss}").status_code == 429
    assert scanner.post(f"/p/{secrets.token_urlsafe(32)}").status_code == 429
    parent = _client(app, "10.0.0.7")  # another family, another IP
    assert open_as_parent(parent, token).status_code == 303
    assert parent.get("/p/view").status_code == 200
    with app.app_context():  # the access log has each refused lookup, never a token
        failed = db.session.scalars(select(ParentAccess).where(ParentAccess.event == "failed")).all()
        assert len(failed) == 20 and {f.ip for f in failed} == {"10.0.0.66"}
        assert all(len(f.token_prefix) == 8 for f in failed)


def test_valid_opens_never_count_towards_the_limit(app, parents_school, as_user) -> None:
    ns = parents_school
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])
    nat = _client(app, "10.0.0.8")  # many families behind one carrier NAT
    for _ in range(25):
        assert nat.get(f"/p/{token}").status_code == 200
    assert nat.post(f"/p/{token}", data={"consent": "y"}).status_code == 303


def _dob_on(as_user):  # type: ignore[no-untyped-def]
    from app.school.services.school_info import set_setting

    as_user(None, lambda a: set_setting(None, "parents.second_factor", "dob"))


def test_second_factor_date_of_birth_with_lockout_of_that_link_only(app, parents_school, as_user) -> None:
    from app.parents.models import ParentLink

    ns = parents_school
    _dob_on(as_user)
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])
    other = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[1].id])
    client = app.test_client()
    assert "Ngày sinh của con" in client.get(f"/p/{token}").get_data(as_text=True)
    for _ in range(4):
        r = client.post(f"/p/{token}", data={"consent": "y", "birth_date": "01/01/2012"})
        assert r.status_code == 422 and "Ngày sinh chưa đúng" in r.get_data(as_text=True)
    locked = client.post(f"/p/{token}", data={"consent": "y", "birth_date": "01/01/2012"})
    assert locked.status_code == 429 and "tạm khóa" in locked.get_data(as_text=True)
    right = client.post(f"/p/{token}", data={"consent": "y", "birth_date": "17/05/2012"})
    assert right.status_code == 429 and client.get("/p/view").status_code == 404
    # another family is never locked out
    assert app.test_client().post(f"/p/{other}", data={"consent": "y", "birth_date": "17/05/2012"}).status_code == 303

    def unlock(_a):  # type: ignore[no-untyped-def]
        from app.core.models import utcnow

        for link in db.session.scalars(select(ParentLink)).all():
            if link.locked_until:
                link.locked_until = utcnow() - timedelta(seconds=1)

    as_user(None, unlock)
    assert client.post(f"/p/{token}", data={"consent": "y", "birth_date": "17/05/2012"}).status_code == 303
    assert client.get("/p/view").status_code == 200


def test_gvcn_pages_are_scoped_to_the_class(app, parents_school, as_user, login_as) -> None:
    ns = parents_school
    g = ns.guardians[ns.students[0].id]
    other_gvcn = login_as(ns.gvcn2)
    assert other_gvcn.get(f"/parents/classes/{ns.cls.id}").status_code == 404
    assert other_gvcn.post(f"/parents/classes/{ns.cls.id}/guardians/{g}/issue").status_code == 404
    assert other_gvcn.post(f"/parents/classes/{ns.cls.id}/release", data={"period": "hk1"}).status_code == 404
    # a guardian of another class through one's own class: 404
    own = login_as(ns.gvcn)
    assert own.post(f"/parents/classes/{ns.cls.id}/guardians/{ns.guardians[ns.others[0].id]}/issue").status_code == 404
    assert login_as(ns.teacher).get(f"/parents/classes/{ns.cls.id}").status_code == 404
    token = issue(as_user, ns.gvcn, ns.cls.id, g)
    from app.parents import tokens
    from app.parents.models import ParentLink

    with app.app_context():
        link_id = db.session.scalars(
            select(ParentLink.id).where(ParentLink.token_hash == tokens.token_hash(token))
        ).one()
    assert other_gvcn.post(f"/parents/links/{link_id}/revoke").status_code == 404
    assert app.test_client().get(f"/parents/classes/{ns.cls.id}").status_code in (302, 401)
    assert login_as(ns.ht).get(f"/parents/classes/{ns.cls.id}").status_code == 200


def test_gvcn_issues_shows_the_link_once_revokes_and_releases(app, parents_school, as_user, login_as) -> None:
    from app.audit.models import AuditEvent

    ns = parents_school
    gvcn = login_as(ns.gvcn)
    g = ns.guardians[ns.students[0].id]
    page = gvcn.post(f"/parents/classes/{ns.cls.id}/guardians/{g}/issue")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "chỉ hiện một lần" in body
    url = (
        body.split('id="issued-url" class="wide" aria-label="Đường dẫn riêng"')[0].rsplit('value="', 1)[1].split('"')[0]
    )
    token = url.rsplit("/p/", 1)[1]
    assert token not in gvcn.get(f"/parents/classes/{ns.cls.id}").get_data(as_text=True)  # shown once
    parent = app.test_client()
    assert open_as_parent(parent, token).status_code == 303
    assert (
        "Chưa mở"
        not in gvcn.get(f"/parents/classes/{ns.cls.id}")
        .get_data(as_text=True)
        .split(f'id="guardian-{g}"')[1]
        .split("</tr>")[0]
    )
    again = gvcn.post(f"/parents/classes/{ns.cls.id}/release", data={"period": "hk1"})
    assert again.status_code == 303
    dup = gvcn.post(f"/parents/classes/{ns.cls.id}/release", data={"period": "hk1"})
    assert dup.status_code == 409 and "đã được công bố" in dup.get_data(as_text=True)
    bad = gvcn.post(f"/parents/classes/{ns.cls.id}/release", data={"period": "hk2"})
    assert bad.status_code == 422 and "chưa được hiệu trưởng duyệt" in bad.get_data(as_text=True)
    with app.app_context():
        from app.parents.models import ParentLink

        link_id = db.session.scalars(select(ParentLink.id)).one()
    assert gvcn.post(f"/parents/links/{link_id}/revoke").status_code == 303
    assert parent.get("/p/view").status_code == 404
    with app.app_context():
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq))]
        assert {"parent_link.issued", "parent_release.published", "parent_link.revoked"} <= set(actions)
        issued = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "parent_link.issued")).first()
        assert "Mẹ của" not in str(issued.changes)  # no guardian name in the chain


def test_purge_log_applies_the_retention(app, parents_school, runner) -> None:
    from app.core.models import utcnow
    from app.parents.models import ParentAccess

    with app.app_context():
        db.session.add_all(
            [ParentAccess(at=utcnow() - timedelta(days=400), event="view", outcome="ok"),
             ParentAccess(at=utcnow() - timedelta(days=3), event="view", outcome="ok")]
        )  # fmt: skip
        db.session.commit()
    result = runner.invoke(args=["parents", "purge-log"])
    assert result.exit_code == 0 and "Đã xóa 1 dòng" in result.output
    result = runner.invoke(args=["parents", "purge-log", "--days", "1"])
    assert "Đã xóa 1 dòng" in result.output
    with app.app_context():
        assert db.session.scalars(select(ParentAccess)).all() == []
