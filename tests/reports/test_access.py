# ruff: noqa: F811  (fixtures imported from tests/reports/test_issue_fixtures.py)
"""Who may preview, issue and download what: the GVCN their class, BGH all; the GVCN of
another class and the subject teachers of the class get 404 on every route (out of scope:
they cannot tell it exists); the quản trị is refused at the role check on every route (403,
as on the close's pages: it reads no results); BGH-only actions are 403 for everyone else."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, fetch, gb, issue_card  # noqa: F401


@pytest.fixture
def world(app, closed, as_user, make_class):  # type: ignore[no-untyped-def]
    """closed + a document and a done job of 10A1, and t2 as the GVCN of another class."""
    from app.reports import jobs, queries
    from app.reports.services import batches
    from app.school.models import SchoolClass

    ns = closed
    make_class(ns.year, "10A3", homeroom_teacher_id=ns.t2.id)
    ns.doc_id = issue_card(as_user, ns.gvcn, ns.c10a1.id, ns.ids[0])

    def start(a):  # type: ignore[no-untyped-def]
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        return batches.start_job(a, "bao_lien_lac", "class", cls.id, queries.issuable_period(cls, "hk1")).id

    ns.job_id = as_user(ns.gvcn, start)
    jobs.wait_idle(app)
    return ns


def routes(ns):  # type: ignore[no-untyped-def]
    c, s = ns.c10a1.id, ns.ids[1]
    form = {"period": "hk1", "kind": "bao_lien_lac"}
    return [
        ("GET", f"/reports/classes/{c}", None),
        ("GET", f"/reports/classes/{c}/students/{s}/preview?period=hk1", None),
        ("POST", f"/reports/classes/{c}/students/{s}/issue", form),
        ("POST", f"/reports/classes/{c}/batch", form),
        ("GET", f"/reports/documents/{ns.doc_id}/download", None),
        ("GET", f"/reports/jobs/{ns.job_id}", None),
        ("GET", f"/reports/jobs/{ns.job_id}/download/pdf", None),
        ("GET", f"/reports/jobs/{ns.job_id}/download/zip", None),
        ("POST", f"/reports/jobs/{ns.job_id}/resume", {}),
    ]


def _call(client, method, url, data):  # type: ignore[no-untyped-def]
    return fetch(client, url) if method == "GET" else client.post(url, data=data)


@pytest.mark.parametrize("who", ["t2", "t1", "gv_van"])
def test_everyone_but_the_gvcn_and_bgh_gets_404_on_every_route(app, world, login_as, who) -> None:
    from app.reports import jobs

    client = login_as(getattr(world, who))
    got = {(m, u): _call(client, m, u, d).status_code for m, u, d in routes(world)}
    jobs.wait_idle(app)
    assert set(got.values()) == {404}, got


def test_the_admin_is_refused_on_every_route(app, world, login_as) -> None:
    client = login_as(world.admin)
    got = {(m, u): _call(client, m, u, d).status_code for m, u, d in routes(world)}
    assert set(got.values()) == {403}, got
    assert client.get("/reports/").status_code == 403


@pytest.mark.parametrize("who", ["gvcn", "ht"])
def test_the_gvcn_and_bgh_reach_every_route(app, world, login_as, who) -> None:
    from app.reports import jobs

    client = login_as(getattr(world, who))
    got = {(m, u): _call(client, m, u, d).status_code for m, u, d in routes(world)}
    jobs.wait_idle(app)
    resume = ("POST", f"/reports/jobs/{world.job_id}/resume")
    assert got.pop(resume) == 409  # reachable; a done job cannot be resumed
    assert set(got.values()) <= {200, 303}, got


@pytest.mark.parametrize("who", ["gvcn", "t1", "admin"])
def test_bgh_actions_are_403_for_everyone_else(app, world, login_as, who) -> None:
    client = login_as(getattr(world, who))
    book = client.post(f"/reports/classes/{world.c10a1.id}/book", data={"period": "hk1"})
    school = client.post("/reports/batch", data={"kind": "bao_lien_lac", "scope": "school", "period": "hk1"})
    assert (book.status_code, school.status_code) == (403, 403)


def test_bgh_issues_the_class_book_and_a_school_batch(app, world, login_as) -> None:
    from app.reports import jobs
    from tests.reports.test_issue_fixtures import documents, file_bytes, pdf_text

    client = login_as(world.ht)
    assert client.post(f"/reports/classes/{world.c10a1.id}/book", data={"period": "hk1"}).status_code == 303
    [book] = documents(app, kind="so_theo_doi")
    text = pdf_text(file_bytes(app, book.sha256))
    assert all(s.full_name in text for s in world.students_a1) and book.student_id is None
    resp = client.post(
        "/reports/batch", data={"kind": "bao_lien_lac", "scope": "grade", "grade": "10", "period": "hk1"}
    )
    assert resp.status_code == 303
    jobs.wait_idle(app)
    assert "3 / 3" in client.get(resp.headers["Location"]).get_data(as_text=True)
    refused = client.post("/reports/batch", data={"kind": "bao_lien_lac", "scope": "grade", "period": "hk1"})
    assert refused.status_code == 422 and "Hãy chọn khối cần in." in refused.get_data(as_text=True)


def test_the_menu_shows_the_entry_to_the_gvcn_and_bgh_only(app, world, login_as) -> None:
    assert "Báo liên lạc / Học bạ" in login_as(world.gvcn).get("/reports/").get_data(as_text=True)
    assert "Báo liên lạc / Học bạ" in login_as(world.ht).get("/").get_data(as_text=True)
    assert "Báo liên lạc / Học bạ" not in login_as(world.t1).get("/").get_data(as_text=True)
