"""Every column a grade book service changes is in the audit event it writes, built after
the last field change (issue 7; the correction approval used to set confirmed_by_id /
decided_by_id / applied_at after its event was built).

Rows that are their own audit subject (GradeBook, CorrectionRequest, Exemption) go
through the shared `assert_changes_audited`; cells and nhận xét are audited under their
grade book (its trail is the book's), so `assert_cell_audited` checks the same thing for
them: every changed column of the row appears, old → new, in an event about the book that
names the row.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from app.core.workflow import Action
from app.extensions import db
from app.gradebook.models import CorrectionRequest, Exemption, GradeBook, Score, StudentComment
from app.gradebook.values import CellValue, Column
from tests.gradebook.conftest import handle_of
from tests.gradebook.test_locking import FULL_ROW, decide, fill

GK = Column("gk", 1)


def _events_since(app, head: int, kind: str, ident: int) -> list[Any]:  # type: ignore[no-untyped-def]
    from app.audit.models import AuditEvent

    with app.app_context():
        return list(
            db.session.scalars(
                select(AuditEvent).where(
                    AuditEvent.seq > head, AuditEvent.subject_type == kind, AuditEvent.subject_id == str(ident)
                )
            )
        )


def test_opening_a_grade_book_audits_what_it_is(gb, app, audit_head) -> None:
    head = audit_head()
    book = gb.open_book(gb.t1, gb.c10a1, gb.toan, gb.term2)
    (event,) = _events_since(app, head, "gradebook", book)
    with app.app_context():
        row = db.session.get(GradeBook, book)
        for column in ("class_id", "subject_id", "term_id"):
            assert event.changes[column] == [None, getattr(row, column)]
        assert event.actor_id == row.opened_by_id == gb.t1.id


def test_submitting_audits_when_and_which_blanks(gb, app, login_as, assert_changes_audited) -> None:
    c = login_as(gb.t1)
    fill(c, gb.toan_a1, gb.students_a1[:2])
    fill(c, gb.toan_a1, gb.students_a1[2:], {k: v for k, v in FULL_ROW.items() if k != "tx4"})

    def submit() -> None:
        assert c.post(f"/gradebook/{gb.toan_a1}/submit", data={"acknowledge": "y", "note": "Đủ"}).status_code == 303

    events = assert_changes_audited(GradeBook, gb.toan_a1, submit)
    submitted = next(e for e in events if e.action == "gradebook.submitted")
    assert submitted.changes["submitted_at"][0] is None and submitted.changes["submitted_at"][1]
    assert "Canary-A03 Bích: TX4" in submitted.changes["blanks_acknowledged"][1]
    assert submitted.changes["record_id"]


@pytest.fixture
def approved_book(gb, login_as, app, as_user):  # type: ignore[no-untyped-def]
    c = login_as(gb.t1)
    fill(c, gb.toan_a1, gb.students_a1)
    assert c.post(f"/gradebook/{gb.toan_a1}/submit", data={}).status_code == 303
    decide(app, as_user, gb.tt_toan, gb.toan_a1)
    decide(app, as_user, gb.ht, gb.toan_a1)
    return gb


def _request(app, as_user, gb) -> int:  # type: ignore[no-untyped-def]
    from app.gradebook.services import corrections

    def go(actor: Any) -> int:
        handle = handle_of(app, actor, gb.toan_a1)
        return corrections.request_correction(actor, handle, gb.students_a1[0].id, GK, "9", "Phúc khảo").id

    return as_user(gb.t1, go)


def _move(app, as_user, gb, user, correction_id: int, fn: Callable[..., None]) -> Callable[[], None]:  # type: ignore[no-untyped-def]
    def go(actor: Any) -> None:
        correction = db.session.get(CorrectionRequest, correction_id)
        fn(actor, correction, handle_of(app, actor, correction.gradebook_id), correction.version)

    return lambda: as_user(user, go)


def test_every_correction_move_audits_every_column_it_changes(approved_book, app, as_user, assert_changes_audited):  # type: ignore[no-untyped-def]
    from app.gradebook.services import corrections

    gb = approved_book
    cid = _request(app, as_user, gb)

    def approve(actor: Any, c: Any, h: Any, v: int) -> None:
        corrections.decide(actor, c, h, Action.APPROVE, seen_version=v)

    confirmed = assert_changes_audited(CorrectionRequest, cid, _move(app, as_user, gb, gb.gvcn, cid, approve))
    assert confirmed[0].changes["confirmed_by_id"] == [None, gb.gvcn.id]
    final = assert_changes_audited(CorrectionRequest, cid, _move(app, as_user, gb, gb.ht, cid, approve))
    event = next(e for e in final if e.action == "correction.approved")
    assert event.changes["decided_by_id"] == [None, gb.ht.id]
    assert event.changes["applied_at"][0] is None and event.changes["applied_at"][1]
    assert event.changes["state"] == ["submitted", "approved"]


@pytest.mark.parametrize("how", ["return_by_gvcn", "return_by_ht", "withdraw"])
def test_refusing_or_withdrawing_a_correction_audits_every_column(
    approved_book, app, as_user, assert_changes_audited, how
):  # type: ignore[no-untyped-def]
    from app.gradebook.services import corrections

    gb = approved_book
    cid = _request(app, as_user, gb)

    def give_back(actor: Any, c: Any, h: Any, v: int) -> None:
        corrections.decide(actor, c, h, Action.RETURN, seen_version=v, comment="Không có minh chứng")

    def approve(actor: Any, c: Any, h: Any, v: int) -> None:
        corrections.decide(actor, c, h, Action.APPROVE, seen_version=v)

    if how == "withdraw":
        fn = _move(app, as_user, gb, gb.t1, cid, lambda a, c, h, v: corrections.withdraw(a, c, seen_version=v))
    elif how == "return_by_gvcn":
        fn = _move(app, as_user, gb, gb.gvcn, cid, give_back)
    else:
        _move(app, as_user, gb, gb.gvcn, cid, approve)()
        fn = _move(app, as_user, gb, gb.ht, cid, give_back)
    assert_changes_audited(CorrectionRequest, cid, fn)


@pytest.mark.parametrize("action", [Action.APPROVE, Action.RETURN])
def test_deciding_an_exemption_audits_every_column(gb, app, as_user, make_subject, assert_changes_audited, action):  # type: ignore[no-untyped-def]
    from app.gradebook.services import exemptions
    from app.school.models import AssessmentKind, SchoolClass, Subject, Term

    gdtc = make_subject("Giáo dục thể chất", "GDTC", kind=AssessmentKind.COMMENT)

    def ask(actor: Any) -> int:
        cls, subject = db.session.get(SchoolClass, gb.c10a1.id), db.session.get(Subject, gdtc.id)
        return exemptions.request_exemption(
            actor, cls, gb.students_a1[0].id, subject, db.session.get(Term, gb.term1), "Gãy tay"
        ).id

    eid = as_user(gb.gvcn, ask)

    def go(actor: Any) -> None:
        e = db.session.get(Exemption, eid)
        exemptions.decide_exemption(actor, e, action, seen_version=e.version, comment="Có giấy ra viện")

    events = assert_changes_audited(Exemption, eid, lambda: as_user(gb.ht, go))
    assert events[0].changes["decided_by_id"] == [None, gb.ht.id]


# ---------------------------------------------------------------------------- cells, nhận xét


def _row(app, model: Any, **keys: Any) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    table = inspect(model).local_table
    with app.app_context():
        row = db.session.execute(select(table).filter_by(**keys)).mappings().first()
        return dict(row) if row else {}


BOOKKEEPING = {"id", "version", "updated_at", "updated_by_id"}


def assert_cell_audited(app, gradebook_id: int, student_id: int, column: Column, fn: Callable[[], Any]) -> None:  # type: ignore[no-untyped-def]
    """fn changes one cell: an event about its grade book names the cell and carries the
    changed value old → new (every changed column of the Score row is covered by it)."""
    from app.audit.models import AuditEvent
    from app.gradebook.services.entry import audit_value

    keys = {"gradebook_id": gradebook_id, "student_id": student_id, "kind": column.kind, "idx": column.idx}
    before = _row(app, Score, **keys)
    with app.app_context():
        head = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0
    fn()
    after = _row(app, Score, **keys)
    changed = {c for c in after if after.get(c) != before.get(c)} - BOOKKEEPING - set(keys)
    assert changed and changed <= {"value", "comment"}, changed
    old = audit_value(before.get("value"), before.get("comment")) if before else None
    new = audit_value(after.get("value"), after.get("comment"))
    found = []
    for e in _events_since(app, head, "gradebook", gradebook_id):
        if e.changes.get("student_id") == student_id and e.changes.get("column") == column.key:
            found.append(e.changes["value"])
        found.extend(v for k, v in (e.changes.get("cells") or {}).items() if k == f"{student_id}:{column.key}")
    assert [old, new] in found, (found, old, new)


def test_cell_saves_batches_and_corrections_audit_the_cell(approved_book, gb, app, as_user) -> None:
    from app.gradebook.services import corrections, entry

    book = gb.open_book(gb.t1, gb.c10a1, gb.toan, gb.term2)
    sid = gb.students_a1[1].id

    def save(value: str, version: int) -> Callable[[], Any]:
        def go(actor: Any) -> Any:
            handle = handle_of(app, actor, book)
            return entry.save_typed_cell(actor, handle, sid, GK, value, version)

        return lambda: as_user(gb.t1, go)

    assert_cell_audited(app, book, sid, GK, save("7", 0))  # created
    assert_cell_audited(app, book, sid, GK, save("8,5", 1))  # changed
    assert_cell_audited(app, book, sid, GK, save("", 2))  # cleared

    def paste(actor: Any) -> Any:
        handle = handle_of(app, actor, book)
        return entry.save_batch(actor, handle, [entry.CellWrite(sid, GK, CellValue(Decimal("6.0")), 3)])

    assert_cell_audited(app, book, sid, GK, lambda: as_user(gb.t1, paste))
    cid = _request(app, as_user, gb)

    def approve(actor: Any, c: Any, h: Any, v: int) -> None:
        corrections.decide(actor, c, h, Action.APPROVE, seen_version=v)

    _move(app, as_user, gb, gb.gvcn, cid, approve)()
    applied = _move(app, as_user, gb, gb.ht, cid, approve)
    assert_cell_audited(app, gb.toan_a1, gb.students_a1[0].id, GK, applied)


def test_a_nhan_xet_save_audits_the_text(gb, app, as_user, audit_head) -> None:
    from app.gradebook.services import comments

    sid = gb.students_a1[0].id

    def save(text: str, version: int) -> None:
        as_user(gb.t1, lambda a: comments.save_comment(a, handle_of(app, a, gb.toan_a1), sid, text, version))

    for text, version in (("Tiến bộ", 0), ("Tiến bộ rõ", 1)):
        before = _row(app, StudentComment, gradebook_id=gb.toan_a1, student_id=sid)
        head = audit_head()
        save(text, version)
        after = _row(app, StudentComment, gradebook_id=gb.toan_a1, student_id=sid)
        changed = {c for c in after if after.get(c) != before.get(c)} - BOOKKEEPING - {"gradebook_id", "student_id"}
        assert changed == {"text"}
        (event,) = _events_since(app, head, "gradebook", gb.toan_a1)
        assert event.changes == {"student_id": sid, "comment": [before.get("text", ""), after["text"]]}
