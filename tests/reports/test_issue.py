# ruff: noqa: F811  (fixtures imported from tests/reports/test_issue_fixtures.py)
"""Issuing one document: a ready PDF with its recorded hashes and code, drawn from the
approved snapshot, naming only its student; idempotent per snapshot; superseded after a
correction's new snapshot version; a fixed number of queries."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import event, select

from app.extensions import db
from tests.reports.test_issue_fixtures import audit_rows, closed, documents, file_bytes, gb, issue_card, pdf_text  # noqa: F401
from tests.results.conftest import snapshots_of


def test_issuing_one_report_card_writes_a_ready_pdf_with_its_hashes_and_code(app, closed, as_user, audit_rows) -> None:
    ns = closed
    sid = ns.ids[0]
    snap = next(s for s in snapshots_of(app, ns.c10a1.id, "hk1") if s.student_id == sid)
    doc_id = issue_card(as_user, ns.gvcn, ns.c10a1.id, sid)
    [doc] = documents(app)
    assert doc.id == doc_id and doc.kind == "bao_lien_lac" and doc.status == "valid"
    assert doc.sources == [{"id": snap.id, "sha256": snap.sha256}]
    assert doc.student_id == sid and doc.class_id == ns.c10a1.id and doc.period == "hk1"
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", doc.code)
    data = file_bytes(app, doc.sha256)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert hashlib.sha256(data).hexdigest() == doc.sha256 and doc.size == len(data)
    text = pdf_text(data)
    assert "Nguyễn Canary-A01 Bích" in text and doc.code in text
    [event_] = audit_rows("report.issued")
    assert event_[3]["code"] == doc.code and event_[3]["snapshots"] == doc.sources


def test_a_report_card_never_names_another_student_of_the_class(app, closed, as_user) -> None:
    ns = closed
    names = {s.id: s.full_name for s in ns.students_a1 + ns.students_a2}
    for sid in ns.ids:
        issue_card(as_user, ns.gvcn, ns.c10a1.id, sid)
    for doc in documents(app):
        text = pdf_text(file_bytes(app, doc.sha256))
        assert names[doc.student_id] in text
        others = [n for i, n in names.items() if i != doc.student_id and n in text]
        assert others == []


def test_issuing_the_same_snapshot_twice_returns_the_same_document(app, closed, as_user, audit_rows) -> None:
    ns = closed
    first = issue_card(as_user, ns.gvcn, ns.c10a1.id, ns.ids[1])
    again = issue_card(as_user, ns.ht, ns.c10a1.id, ns.ids[1])
    assert first == again and len(documents(app)) == 1 and len(audit_rows("report.issued")) == 1


def test_a_new_snapshot_version_supersedes_the_issued_document(app, closed, as_user) -> None:
    from tests.results.test_corrections_after_close import _score_correction

    ns = closed
    sid = ns.ids[0]
    old_id = issue_card(as_user, ns.gvcn, ns.c10a1.id, sid)
    _score_correction(as_user, ns, ns.toan_a1, sid, "gk", "9,5")
    new_id = issue_card(as_user, ns.gvcn, ns.c10a1.id, sid)
    old, new = (next(d for d in documents(app) if d.id == i) for i in (old_id, new_id))
    assert new_id != old_id
    assert (old.status, old.superseded_by_id) == ("superseded", new_id)
    assert (new.status, new.supersedes_code) == ("valid", old.code)
    v2 = next(s for s in snapshots_of(app, ns.c10a1.id, "hk1") if s.student_id == sid)
    assert new.sources == [{"id": v2.id, "sha256": v2.sha256}]
    assert f"Bản này thay thế bản có mã {old.code}" in pdf_text(file_bytes(app, new.sha256))


def _count_queries(app, fn) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(*_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(_args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len([q for q in seen if not q.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE"))])


def _advisory_locks(app) -> int:  # type: ignore[no-untyped-def]
    """Recording a document takes the issue lock and the audit lock: statements on PostgreSQL."""
    with app.app_context():
        return 2 if db.engine.dialect.name == "postgresql" else 0


def test_issuing_one_document_takes_a_fixed_number_of_queries(app, closed, as_user) -> None:
    """The query count of one batch item does not depend on which student or the class size."""
    from app.reports import queries
    from app.reports.models import ReportJob, ReportJobItem
    from app.reports.services import batches

    ns = closed

    def item(position: int) -> int:
        def run(_a) -> int:  # type: ignore[no-untyped-def]
            job = db.session.scalars(select(ReportJob)).one()
            it = db.session.scalars(select(ReportJobItem).where(ReportJobItem.position == position)).one()
            return _count_queries(app, lambda: batches.run_item(job, it))

        return as_user(ns.gvcn, run)

    def start(a):  # type: ignore[no-untyped-def]
        from app.school.models import SchoolClass

        cls = db.session.get(SchoolClass, ns.c10a1.id)
        db.session.info["sodientu_report_jobs"] = []  # never dispatched: run by hand below
        job = batches.start_job(a, "bao_lien_lac", "class", cls.id, queries.issuable_period(cls, "hk1"))
        db.session.info.pop("sodientu_report_jobs", None)
        return job.id

    as_user(ns.gvcn, start)
    counts = [item(n) for n in (1, 2, 3)]
    assert counts[0] == counts[1] == counts[2]
    assert counts[0] <= 13 + _advisory_locks(app), counts


def test_a_batch_draws_a_chunk_in_a_fixed_number_of_statements_and_records_each_in_few(app, closed, as_user) -> None:
    """A batch reads and draws a chunk of items in statements that do not grow with the chunk,
    then records each drawn document from its plain facts (no draft read again)."""
    from app.core.database import reading
    from app.reports import queries
    from app.reports.models import IssuedDocument, ReportJob, ReportJobItem
    from app.reports.services import batches

    ns = closed

    def start(a):  # type: ignore[no-untyped-def]
        from app.school.models import SchoolClass

        cls = db.session.get(SchoolClass, ns.c10a1.id)
        db.session.info["sodientu_report_jobs"] = []  # never dispatched: run by hand below
        job = batches.start_job(a, "bao_lien_lac", "class", cls.id, queries.issuable_period(cls, "hk1"))
        db.session.info.pop("sodientu_report_jobs", None)
        return job.id

    job_id = as_user(ns.gvcn, start)

    def draw(count: int):  # type: ignore[no-untyped-def]
        def run(_a):  # type: ignore[no-untyped-def]
            with reading():
                job = db.session.get(ReportJob, job_id)
                items = db.session.scalars(select(ReportJobItem).order_by(ReportJobItem.position)).all()[:count]
                drawn: dict[int, object] = {}
                n = _count_queries(app, lambda: drawn.update(batches.draw_items(job, items)))
                return n, drawn

        return as_user(ns.gvcn, run)

    (one, _), (three, drawn) = draw(1), draw(3)
    assert one == three <= 7, (one, three)
    assert len(drawn) == 3 and all(d is not None for d in drawn.values())

    def record(_a) -> list[int]:  # type: ignore[no-untyped-def]
        counts = []
        for item_id, d in drawn.items():
            job, item = db.session.get(ReportJob, job_id), db.session.get(ReportJobItem, item_id)
            counts.append(_count_queries(app, lambda: batches.run_item(job, item, d)))  # noqa: B023
            db.session.commit()
        return counts

    counts = as_user(ns.gvcn, record)
    assert counts[1] == counts[2] and max(counts) <= 6 + _advisory_locks(app), (
        counts
    )  # the first finds the requester loaded
    with app.app_context():
        docs = db.session.scalars(select(IssuedDocument)).all()
        assert sorted(d.sha256 for d in docs) == sorted(d.sha256 for d in drawn.values())  # the files drawn, no redraw


def test_a_drawn_document_is_not_recorded_when_its_sources_were_issued_meanwhile(app, closed, as_user) -> None:
    """Another runner issued the same snapshots between drawing and recording: the drawn
    document is dropped (None: the item goes the long way, which finds the existing one)."""
    from app.core.database import reading
    from app.reports import queries
    from app.reports.models import IssuedDocument, ReportJob, ReportJobItem
    from app.reports.services import batches, issuing

    ns = closed

    def run(a):  # type: ignore[no-untyped-def]
        from app.school.models import SchoolClass

        cls = db.session.get(SchoolClass, ns.c10a1.id)
        db.session.info["sodientu_report_jobs"] = []
        job_id = batches.start_job(a, "bao_lien_lac", "class", cls.id, queries.issuable_period(cls, "hk1")).id
        db.session.info.pop("sodientu_report_jobs", None)
        db.session.commit()
        with reading():
            job = db.session.get(ReportJob, job_id)
            first = db.session.scalars(select(ReportJobItem).where(ReportJobItem.position == 1)).one()
            drawn = batches.draw_items(job, [first])[first.id]
        job, first = db.session.get(ReportJob, job_id), db.session.get(ReportJobItem, first.id)
        earlier = batches.run_item(job, first)  # the long path: drawn and issued now
        db.session.commit()
        assert drawn is not None and issuing.record(job.requested_by, drawn) is None
        again = batches.run_item(job, first, drawn)
        assert again == earlier and db.session.get(IssuedDocument, again).sha256 != drawn.sha256
        return db.session.scalars(select(IssuedDocument)).all()

    assert len(as_user(ns.gvcn, run)) == 1
