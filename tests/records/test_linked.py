"""The grade book's contract: submit_linked() and linked_record()."""

from __future__ import annotations

import hashlib

import pytest
from werkzeug.exceptions import Forbidden

from app.core import files
from app.core.workflow import WorkflowConflict
from app.extensions import db
from app.records import queries, services
from app.records.services import RecordError
from tests.records import samples


def _submit_linked(as_user, rec, user, data: bytes, note: str | None = None):  # type: ignore[no-untyped-def]
    def go(actor):  # type: ignore[no-untyped-def]
        record = services.submit_linked(
            actor,
            type_code="so_diem",
            class_id=rec.c10a1.id,
            subject_id=rec.toan.id,
            term_id=rec.term1,
            title="Sổ điểm Toán 10A1 — Học kỳ I",
            files=[("so-diem-toan-10a1.xlsx", data)],
            note=note,
        )
        return record.id

    return as_user(user, go)


def test_submit_linked_creates_and_submits_the_record(app, rec, as_user, load, audit_tail, head_seq) -> None:
    before = head_seq()
    data = samples.xlsx()
    record_id = _submit_linked(as_user, rec, rec.t1, data)
    record = load(record_id)
    assert record.state == "submitted" and record.step == 0
    assert record.chain == ["to_truong", "hieu_truong"]
    assert record.awaiting == "to_truong"
    assert record.locks_content
    assert record.department_id == rec.dept_toan.id
    assert record.term_id == rec.term1
    (version,) = record.versions
    (stored,) = version.files
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.original_name == "so-diem-toan-10a1.xlsx"
    with app.app_context():
        assert files.path_for(stored.sha256).read_bytes() == data
        found = queries.linked_record("so_diem", rec.c10a1.id, rec.toan.id, rec.term1)
        assert found.id == record_id
        assert queries.linked_record("so_diem", rec.c10a2.id, rec.toan.id, rec.term1) is None
    assert [a for a, *_ in audit_tail(before)] == ["record.created", "record.submitted"]


def test_submit_linked_after_a_return_adds_a_version_and_resubmits(
    app, rec, as_user, load, audit_tail, head_seq
) -> None:
    record_id = _submit_linked(as_user, rec, rec.t1, samples.xlsx())

    def give_back(actor):  # type: ignore[no-untyped-def]
        record = queries.get_for(actor, record_id)
        services.return_record(actor, record, seen_version=record.version, comment="Thiếu điểm giữa kỳ của 2 học sinh")

    as_user(rec.tt_toan, give_back)
    before = head_seq()
    second = samples.xlsx() + b""  # same bytes → same file hash, still a new version
    again = _submit_linked(as_user, rec, rec.t1, second, note="Đã bổ sung điểm")
    assert again == record_id
    record = load(record_id)
    assert record.state == "submitted" and record.step == 0
    assert [v.number for v in record.versions] == [1, 2]
    assert record.versions[1].note == "Đã bổ sung điểm"
    assert record.current_approvals() == []
    assert [a for a, *_ in audit_tail(before)] == ["record.version_added", "record.submitted"]


def test_submit_linked_refuses_while_submitted_or_approved(app, rec, as_user, load) -> None:
    record_id = _submit_linked(as_user, rec, rec.t1, samples.xlsx())
    with pytest.raises(WorkflowConflict):
        _submit_linked(as_user, rec, rec.t1, samples.xlsx())
    for reviewer in (rec.tt_toan, rec.ht):

        def approve(actor):  # type: ignore[no-untyped-def]
            record = queries.get_for(actor, record_id)
            services.approve_record(actor, record, seen_version=record.version)

        as_user(reviewer, approve)
    record = load(record_id)
    assert record.state == "approved" and record.locks_content and record.finalized_at
    with pytest.raises(WorkflowConflict):
        _submit_linked(as_user, rec, rec.t1, samples.xlsx())
    assert len(load(record_id).versions) == 1


def test_submit_linked_checks_type_and_assignment(app, rec, as_user, head_seq) -> None:
    before = head_seq()
    with pytest.raises(RecordError, match="phân công"):
        _submit_linked(as_user, rec, rec.t2, samples.xlsx())  # t2 teaches 10A2, not 10A1

    def unknown(actor):  # type: ignore[no-untyped-def]
        services.submit_linked(
            actor,
            type_code="khong_co",
            class_id=rec.c10a1.id,
            subject_id=rec.toan.id,
            term_id=rec.term1,
            title="x",
            files=[("a.xlsx", b"x")],
        )

    with pytest.raises(RecordError, match="khong_co"):
        as_user(rec.t1, unknown)
    assert head_seq() == before


def test_only_the_author_can_resubmit_a_linked_record(app, rec, as_user, make_assignment) -> None:
    record_id = _submit_linked(as_user, rec, rec.t1, samples.xlsx())

    def give_back(actor):  # type: ignore[no-untyped-def]
        record = queries.get_for(actor, record_id)
        services.return_record(actor, record, seen_version=record.version, comment="Sửa lại")

    as_user(rec.tt_toan, give_back)
    with app.app_context():  # t2 takes over 10A1 Toán mid-term (reassignment)
        from sqlalchemy import select

        from app.school import services as school
        from app.school.models import TeachingAssignment

        school.remove_assignment(
            None, db.session.scalar(select(TeachingAssignment).filter_by(class_id=rec.c10a1.id, subject_id=rec.toan.id))
        )
        db.session.commit()
    make_assignment(rec.t2, rec.c10a1, rec.toan)
    with pytest.raises(Forbidden):
        _submit_linked(as_user, rec, rec.t2, samples.xlsx())


def test_a_school_without_the_demo_gets_the_built_in_type_on_first_submission(app, rec, as_user, load) -> None:
    """A real install never runs seed-demo: the Sổ điểm type is created when first needed."""
    from sqlalchemy import delete, func, select

    from app.records.models import RecordType

    with app.app_context():
        db.session.execute(delete(RecordType))
        db.session.commit()
    record = load(_submit_linked(as_user, rec, rec.t1, samples.xlsx()))
    assert record.state == "submitted" and record.chain == ["to_truong", "hieu_truong"]
    with app.app_context():
        codes = set(db.session.scalars(select(RecordType.code)))
        assert {"so_diem", "ket_qua_lop", "bao_cao_thang"} <= codes
        assert db.session.scalar(select(func.count()).select_from(RecordType)) == len(codes)
