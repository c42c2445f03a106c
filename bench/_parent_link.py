"""One family's private link for bench/scale.py's parent pages, prepared as bench_parents.py
does it: the GVCN of the demo's own 6A1 publishes HK I to parents and issues the báo liên
lạc of the class's first student (services only), then a link for that student's first
guardian. Safe to run again on the same database: the release and the document are made
once, the link is issued anew (the previous one is revoked as "reissued": its token was
never kept).

The demo year (2024-2025) is over and links expire at the end of their class's year, so its
end date is moved 30 days ahead while the link is issued and put back at once (the link
keeps its expiry; no service changes a year's dates, so this is the model attribute in a
unit of work, as bench_parents.py does, without an audit event). The copies of a district
share the year, so its other pages see the year as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

CLASS_NAME = "6A1"


@dataclass(frozen=True)
class ParentLink:
    token: str
    snapshot_id: int  # the HK I point shown to the parent (its PDF is /p/view/<id>/pdf)


def prepare(app) -> ParentLink:  # type: ignore[no-untyped-def]
    from app.accounts.models import User
    from app.extensions import db
    from app.school.models import SchoolClass

    with app.test_request_context("/", method="POST"):
        cls = db.session.query(SchoolClass).filter_by(name=CLASS_NAME).one()
        gvcn = db.session.get(User, cls.homeroom_teacher_id)
        _release_hk1(gvcn, cls)
        student, snapshot_id = _issue_report_card(gvcn, cls)
        token = _issue_link(gvcn, cls, min(student.guardians, key=lambda g: g.id))
    return ParentLink(token, snapshot_id)


def _release_hk1(gvcn, cls) -> None:  # type: ignore[no-untyped-def]
    from app.core.database import unit_of_work
    from app.parents import queries, services

    if ("hk1", "") not in queries.releases_of(cls):
        with unit_of_work():
            services.release_point(gvcn, cls, "hk1", "")


def _issue_report_card(gvcn, cls):  # type: ignore[no-untyped-def]
    """(the first student with a guardian, the id of their HK I snapshot); issuing again
    returns the document already issued from the same snapshot."""
    from app.core.database import unit_of_work
    from app.parents import queries
    from app.reports import queries as report_queries
    from app.reports import services as reports

    student = next(s for s in queries.roster(cls) if s.guardians)
    period = report_queries.issuable_period(cls, "hk1")
    with unit_of_work():
        reports.issue(gvcn, reports.draft_for(cls, student, period, "bao_lien_lac"))
    return student, report_queries.student_snapshot(cls, student.id, period).id


def _issue_link(gvcn, cls, guardian) -> str:  # type: ignore[no-untyped-def]
    from app.core.database import unit_of_work
    from app.parents import services

    year = cls.year
    end = year.end_date
    with unit_of_work():
        year.end_date = max(end, date.today() + timedelta(days=30))
    try:
        with unit_of_work():
            _link, token = services.issue_link(gvcn, cls, guardian)
    finally:
        with unit_of_work():
            year.end_date = end
    return str(token)


def open_link(app, token: str):  # type: ignore[no-untyped-def]
    """A test client holding the parent's cookie: the landing page, then its button."""
    client = app.test_client()
    landing = client.get(f"/p/{token}")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', landing.text)
    if landing.status_code != 200 or csrf is None:
        raise SystemExit(f"the parent's link: HTTP {landing.status_code}")
    opened = client.post(f"/p/{token}", data={"csrf_token": csrf.group(1), "consent": "y"})
    if opened.status_code != 303:
        raise SystemExit(f"opening the parent's link: HTTP {opened.status_code}")
    return client
