"""The parent access log visible to the BGH: time, class, initials, hash prefix, outcome,
IP, user agent; filters by class and outcome; paginated; never a token."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.extensions import db
from tests.parents.conftest import issue, open_as_parent


def _table(html: str) -> str:
    return html.split('id="access-log"')[1]


def test_bgh_reads_the_access_log_filtered_and_paginated(app, parents_school, as_user, login_as) -> None:
    from app.parents.models import ParentLink
    from app.privacy import queries

    ns = parents_school
    s, o = ns.students[0], ns.others[0]
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[s.id])
    other = issue(as_user, ns.gvcn2, ns.other_cls.id, ns.guardians[o.id])
    parent = app.test_client()
    parent.environ_base.update({"REMOTE_ADDR": "10.1.2.3", "HTTP_USER_AGENT": "Zalo-Android/1.0"})
    open_as_parent(parent, token)
    parent.get("/p/view")
    open_as_parent(app.test_client(), other)
    app.test_client().get(f"/p/{secrets.token_urlsafe(32)}")  # a failure, no link
    with app.app_context():
        prefix = db.session.scalars(select(ParentLink).where(ParentLink.student_id == s.id)).one().token_hash[:8]
    bgh = login_as(ns.ht)
    page = bgh.get("/privacy/access-log").get_data(as_text=True)
    assert "10.1.2.3" in page and "Zalo-Android/1.0" in page and prefix in page
    assert queries.initials(s.full_name) in page and "7A1" in page and "7A2" in page
    assert "Đường dẫn không tồn tại" in page
    assert token not in page and other not in page and s.full_name not in page  # initials only
    only_cls = _table(bgh.get(f"/privacy/access-log?class_id={ns.cls.id}").get_data(as_text=True))
    assert ">7A1<" in only_cls and ">7A2<" not in only_cls and "10.1.2.3" in only_cls
    assert "Đường dẫn không tồn tại" not in only_cls
    failed = bgh.get("/privacy/access-log?outcome=unknown").get_data(as_text=True)
    assert "10.1.2.3" not in _table(failed) and "1 dòng" in failed
    bad = bgh.get("/privacy/access-log?class_id=abc")
    assert bad.status_code == 422 and "Lớp cần lọc không hợp lệ" in bad.get_data(as_text=True)


def test_the_log_pages_by_fifty(app, parents_school, as_user, login_as) -> None:
    from app.parents import services

    ns = parents_school
    with app.test_request_context("/"):
        for i in range(60):
            services.log_access("failed", "unknown", f"{i:08x}")
    bgh = login_as(ns.ht)
    first = bgh.get("/privacy/access-log").get_data(as_text=True)
    assert "60 dòng · trang 1/2" in first and 'id="next-page"' in first and first.count("<code>") == 50
    second = bgh.get("/privacy/access-log?page=2").get_data(as_text=True)
    assert "trang 2/2" in second and second.count("<code>") == 10 and 'id="prev-page"' in second
    assert "trang 2/2" in bgh.get("/privacy/access-log?page=99").get_data(as_text=True)


def test_only_the_bgh_read_the_log(app, parents_school, login_as, admin) -> None:
    ns = parents_school
    for user in (ns.gvcn, ns.teacher, admin):
        assert login_as(user).get("/privacy/access-log").status_code == 403
