# ruff: noqa: F811  (fixtures imported from tests/reports/test_issue_fixtures.py)
"""Statements per document of a batch, pinned: a chunk's reads and drawing cost the same
whatever its size, and recording each drawn document — in the chunk's one write
transaction — costs a fixed few. Measured as the runner runs a chunk (`jobs._draw_chunk` then `_record_chunk`)
on a chunk of one item and on a chunk of two: their difference is one document's share."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.extensions import db
from tests.reports.test_issue import _count_queries as _statements
from tests.reports.test_issue_fixtures import closed, documents, gb  # noqa: F401
from tests.reports.test_issue_hoc_ba import year_closed  # noqa: F401

#: recording one drawn document: in one statement the sources still current and the
#: conflicts (same sources, the slot's valid document, the code), the row, the audit event
#: (the chain's head is the event the chunk wrote before); the items' documents are one
#: executemany for the chunk, and the job's count one UPDATE
RECORD_PER_DOCUMENT = 3
#: a chunk's share, whatever its size: the job, its items, classes, snapshots and students,
#: the requester, the issued keys, slots and codes, the audit head to draw them; the job with
#: its requester and the items again, the audit head once, the items' documents and the
#: job's count to record them (a read-only stretch ends in a rollback);
#: the học bạ adds guardians, quá trình học tập, the terms' snapshots, the enrollments (one
#: statement for the chunk), the school, its years and their hiệu trưởng
BLL_PER_CHUNK = 18
HOC_BA_PER_CHUNK = 27


def _advisory_lock(app: Any) -> int:
    """An advisory lock is a statement on PostgreSQL (none on SQLite, whose write transaction
    is the lock): each document takes the issue lock, and the chunk's first event the audit
    lock, once for the chunk."""
    with app.app_context():
        return 1 if db.engine.dialect.name == "postgresql" else 0


def _job(as_user: Any, ns: Any, kind: str, period: str) -> tuple[int, list[int]]:
    from app.reports import queries
    from app.reports.models import ReportJobItem
    from app.reports.services import batches
    from app.school.models import SchoolClass

    def start(a: Any) -> tuple[int, list[int]]:
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        job = batches.start_job(a, kind, "class", cls.id, queries.issuable_period(cls, period))
        db.session.info.pop(batches.DISPATCH, None)  # run by hand below
        with_begun = batches.begin_run(job)
        items = db.session.scalars(select(ReportJobItem).where(ReportJobItem.job_id == job.id)).all()
        assert sorted(with_begun) == sorted(i.id for i in items)
        return job.id, with_begun

    return as_user(ns.gvcn, start)  # type: ignore[no-any-return]


def _chunk(app: Any, job_id: int, item_ids: list[int]) -> int:
    """The statements of one chunk as the runner runs it, in a fresh app context (a worker's)."""
    from app.reports import jobs

    def run() -> None:
        with app.app_context():
            drawn, failed = jobs._draw_chunk(job_id, item_ids)
            assert failed is None
            assert jobs._record_chunk(job_id, item_ids, drawn, failed, 0.0)
            db.session.remove()

    return _statements(app, run)


def _per_document(app: Any, as_user: Any, ns: Any, kind: str, period: str) -> tuple[int, int]:
    """(a chunk's own statements, each document's) from a chunk of 1 item and one of 2."""
    job_id, items = _job(as_user, ns, kind, period)
    one, two = _chunk(app, job_id, items[:1]), _chunk(app, job_id, items[1:3])
    assert len(documents(app, kind=kind)) == 3
    return 2 * one - two, two - one


def test_a_report_card_chunk_costs_a_fixed_share_and_a_few_statements_a_document(app, closed, as_user) -> None:
    per_chunk, per_document = _per_document(app, as_user, closed, "bao_lien_lac", "hk1")
    assert per_document == RECORD_PER_DOCUMENT + _advisory_lock(app), per_document
    assert per_chunk <= BLL_PER_CHUNK + _advisory_lock(app), per_chunk


def test_a_hoc_ba_chunk_costs_a_fixed_share_and_a_few_statements_a_document(app, year_closed, as_user) -> None:
    per_chunk, per_document = _per_document(app, as_user, year_closed, "hoc_ba", "cn")
    assert per_document == RECORD_PER_DOCUMENT + _advisory_lock(app), per_document  # histories read per chunk
    assert per_chunk <= HOC_BA_PER_CHUNK + _advisory_lock(app), per_chunk


def test_a_batch_supersedes_an_earlier_document_and_the_audit_chain_verifies(app, closed, as_user, runner) -> None:
    """The batch's Core path (row, superseded row, `audit.append`) does what the ORM path does:
    the student's earlier document of the slot is marked superseded by the new one, whose stamp
    names it, and `flask audit verify` walks the whole chain."""
    from app.audit.models import AuditEvent
    from tests.reports.test_issue_fixtures import file_bytes, issue_card, pdf_text
    from tests.results.test_corrections_after_close import _score_correction

    ns = closed
    sid = ns.ids[0]
    old_id = issue_card(as_user, ns.gvcn, ns.c10a1.id, sid)
    _score_correction(as_user, ns, ns.toan_a1, sid, "gk", "9,5")
    job_id, items = _job(as_user, ns, "bao_lien_lac", "hk1")
    _chunk(app, job_id, items)
    docs = {d.id: d for d in documents(app)}
    old = docs[old_id]
    new = next(d for d in docs.values() if d.student_id == sid and d.id != old_id)
    assert (old.status, old.superseded_by_id) == ("superseded", new.id)
    assert (new.status, new.supersedes_code) == ("valid", old.code)
    assert f"Bản này thay thế bản có mã {old.code}" in pdf_text(file_bytes(app, new.sha256))
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.issued")).all()
        issued = {e.subject_id: e for e in events}
        assert set(issued) == {str(i) for i in docs}
        assert issued[str(new.id)].changes["supersedes"] == old.code
        assert issued[str(new.id)].file_sha256 == new.sha256
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
