# ruff: noqa: F811  (fixtures imported from tests/reports/test_issue_fixtures.py)
"""A học bạ: drawn from the student's cả năm snapshot, with the identity facts frozen at
issue time (and their sha256) in the issued document."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.reports.test_issue_fixtures import closed, documents, file_bytes, gb, pdf_text  # noqa: F401
from tests.results.conftest import approve_book, approve_close, enter, homeroom_term, submit_close, uniform


@pytest.fixture
def year_closed(closed, as_user):  # type: ignore[no-untyped-def]
    ns = closed
    toan = ns.open_book(ns.t1, ns.c10a1, ns.toan, ns.term2)
    van = ns.open_book(ns.gv_van, ns.c10a1, ns.van, ns.term2)
    enter(as_user, ns.t1, toan, uniform(ns.ids, "7", 4))
    enter(as_user, ns.gv_van, van, uniform(ns.ids, "8", 4))
    approve_book(as_user, ns.t1, ns.tt_toan, ns.ht, toan)
    approve_book(as_user, ns.gv_van, ns.tt_van, ns.ht, van)
    homeroom_term(as_user, ns.gvcn, ns.c10a1.id, ns.term2, ns.ids)
    for period in ("hk2", "cn"):
        submit_close(as_user, ns.gvcn, ns.c10a1.id, period)
        approve_close(as_user, ns.ht, ns.c10a1.id, period)
    return ns


def test_a_hoc_ba_freezes_the_identity_and_names_its_snapshot(app, year_closed, login_as) -> None:
    ns = year_closed
    student = ns.students_a1[0]
    client = login_as(ns.gvcn)
    preview = client.get(f"/reports/classes/{ns.c10a1.id}/students/{student.id}/preview?period=cn&kind=hoc_ba")
    assert preview.status_code == 200 and student.full_name in preview.get_data(as_text=True)
    resp = client.post(
        f"/reports/classes/{ns.c10a1.id}/students/{student.id}/issue", data={"period": "cn", "kind": "hoc_ba"}
    )
    assert resp.status_code == 303
    [doc] = documents(app, kind="hoc_ba")
    identity = json.loads(doc.identity)
    assert identity["full_name"] == student.full_name and identity["schooling"][-1]["class_name"] == "10A1"
    assert doc.identity_sha256 == hashlib.sha256(doc.identity.encode()).hexdigest()
    # drawn from the cả năm snapshot and the two terms' (each term's học tập is on the page)
    with app.app_context():
        from app.extensions import db
        from app.reports.documents import hoc_ba
        from app.reports.services.issuing import with_term_learning
        from app.results.models import ResultSnapshot

        snaps = [db.session.get(ResultSnapshot, s["id"]) for s in doc.sources]
        assert sorted(s.period for s in snaps) == ["cn", "hk1", "hk2"] and doc.period == "cn"
        assert all(src["sha256"] == s.sha256 for src, s in zip(doc.sources, snaps, strict=True))
        terms = {s.period: s.data["learning"]["final"] for s in snaps if s.period != "cn"}
        (year,) = hoc_ba(json.loads(doc.identity), with_term_learning([s.data for s in snaps])).years
        assert dict(year.term_learning) == terms
    assert student.full_name in pdf_text(file_bytes(app, doc.sha256))
