"""Entering scores: open a grade book, save cells (alone or as an all-or-nothing batch),
and the one record of a refused write to a locked grade book. See services/__init__.py
for the invariants."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update

from app.audit import services as audit
from app.core.authz import deny
from app.core.errors import ConflictError, DomainError
from app.core.models import utcnow
from app.extensions import db
from app.gradebook import locking, policy
from app.gradebook.models import GradeBook, Score, ScoreHistory
from app.gradebook.queries import CurrentCell, GridHandle, ScopedWrite, current_cell
from app.gradebook.services.rows import dialect_insert, insert_once
from app.gradebook.values import CellValue, Column, parse_cell, shown

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.gradebook.policy import GridAccess
    from app.school.models import SchoolClass, Subject, Term


class GradebookError(DomainError):
    """422: the grade book cannot be opened as asked."""


def audit_value(value: Decimal | None, comment: str | None) -> str | None:
    """What the audit trail stores for a cell: '7.5', 'Đ', 'CĐ' or None (blank)."""
    if comment:
        return shown(None, comment)
    return None if value is None else str(value)


def open_gradebook(
    actor: User, school_class: SchoolClass, subject: Subject, term: Term, access: GridAccess
) -> GradeBook:
    """Create the grade book of (class, subject, term) once; later calls return it."""
    if not policy.can_open_grid(actor, access):
        deny("gradebook.open", "class", school_class.id)
    if term.year_id != school_class.year_id:
        raise GradebookError("Học kỳ không thuộc năm học của lớp.")
    keys = {"class_id": school_class.id, "subject_id": subject.id, "term_id": term.id}
    created = insert_once(GradeBook, {**keys, "opened_by_id": actor.id, "opened_at": utcnow()}, list(keys))
    gb = db.session.scalars(select(GradeBook).filter_by(**keys)).one()
    if created:
        audit.record(
            actor,
            "gradebook.opened",
            gb,
            changes={
                **{key: [None, value] for key, value in keys.items()},
                "class": [None, school_class.name],
                "subject": [None, subject.name],
                "term": [None, term.name],
            },
        )
    return gb


# ---------------------------------------------------------------------------- cells


class CellConflict(ConflictError):
    """409: the cell changed since the user saw it; `current` is the row as it is now."""

    def __init__(self, student_id: int, column: Column, current: CurrentCell | Score | None) -> None:
        super().__init__("Ô này vừa được sửa ở nơi khác; giá trị bạn nhập chưa được lưu.")
        self.student_id = student_id
        self.column = column
        self.current = current


class BatchConflict(ConflictError):
    """409: cells of a batch changed since the user saw them; nothing of the batch is saved."""

    def __init__(self, conflicts: list[CellConflict]) -> None:
        super().__init__(
            f"{len(conflicts)} ô vừa được sửa ở nơi khác; chưa ô nào được lưu. Kiểm tra giá trị hiện tại rồi dán lại."
        )
        self.conflicts = conflicts


class BatchInvalid(DomainError):
    """422: values of a batch the cells refuse; `errors` maps (student id, column) → (typed, reason)."""

    def __init__(self, errors: Mapping[tuple[int, str], tuple[str | None, str]]) -> None:
        super().__init__(
            f"Có {len(errors)} ô không hợp lệ; chưa ô nào được lưu. Sửa các ô tô đỏ rồi dán lại.", status=422
        )
        self.errors = errors


@dataclass(frozen=True)
class CellWrite:
    student_id: int
    column: Column
    cell: CellValue
    seen_version: int


@dataclass(frozen=True)
class Change:
    student_id: int
    column: Column
    old: str | None
    new: str | None


def write_cell(
    actor: User,
    gradebook_id: int,
    w: CellWrite,
    source: str,
    reason: str | None = None,
    correction_id: int | None = None,
) -> Change | None:
    """One version-guarded write; raises CellConflict. None when nothing changed."""
    existing = current_cell(gradebook_id, w.student_id, w.column)
    new_value, new_comment = w.cell.value, w.cell.comment
    now = utcnow()
    if w.seen_version == 0 or existing is None:
        if existing is not None or w.seen_version != 0:
            raise CellConflict(w.student_id, w.column, existing)
        if w.cell.is_blank:
            return None
        if not insert_once(
            Score,
            {
                "gradebook_id": gradebook_id,
                "student_id": w.student_id,
                "kind": w.column.kind,
                "idx": w.column.idx,
                "value": new_value,
                "comment": new_comment,
                "version": 1,
                "updated_by_id": actor.id,
                "updated_at": now,
            },
            ["gradebook_id", "student_id", "kind", "idx"],
        ):
            raise CellConflict(w.student_id, w.column, current_cell(gradebook_id, w.student_id, w.column))
        old_value, old_comment = None, None
    else:
        if existing.version != w.seen_version:
            raise CellConflict(w.student_id, w.column, existing)
        old_value, old_comment = existing.value, existing.comment
        if (old_value, old_comment) == (new_value, new_comment):
            return None
        result = db.session.execute(
            update(Score)
            .where(Score.id == existing.id, Score.version == w.seen_version)
            .values(
                value=new_value,
                comment=new_comment,
                version=Score.version + 1,
                updated_by_id=actor.id,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise CellConflict(w.student_id, w.column, current_cell(gradebook_id, w.student_id, w.column))
    # Core, not the ORM's unit of work: nothing reads the history row back in this request
    db.session.execute(
        insert(ScoreHistory).values(
            gradebook_id=gradebook_id,
            student_id=w.student_id,
            kind=w.column.kind,
            idx=w.column.idx,
            old_value=old_value,
            old_comment=old_comment,
            new_value=new_value,
            new_comment=new_comment,
            source=source,
            reason=reason,
            correction_id=correction_id,
            actor_id=actor.id,
            at=now,
        )
    )
    return Change(
        w.student_id,
        w.column,
        audit_value(old_value, old_comment),
        audit_value(new_value, new_comment),
    )


def check_can_write(actor: User, handle: GridHandle) -> None:
    """Policy (403) and lock (GridLocked, 409): the guard of every writer of a grid."""
    if not policy.can_edit_grid(actor, handle.access):
        deny("grade.write", "gradebook", handle.id)
    locking.ensure_writable(handle)


def save_cell(actor: User, handle: GridHandle, write: CellWrite) -> Change | None:
    """Save one cell (scope — student in the class, column in the grid — checked by the
    caller through the scoped loaders; policy and lock re-checked here)."""
    check_can_write(actor, handle)
    change = write_cell(actor, handle.id, write, "entry")
    if change is not None:
        audit.record(
            actor,
            "grade.changed",
            handle.gradebook,
            changes={
                "student_id": write.student_id,
                "subject_id": handle.subject.id,
                "column": write.column.key,
                "value": [change.old, change.new],
            },
        )
    return change


def save_typed_cell(
    actor: User, handle: GridHandle, student_id: int, column: Column, typed: str | None, seen_version: int
) -> Change | None:
    """What the teacher typed in one cell: parsed (CellError, 422) then saved."""
    cell = parse_cell(typed, handle.subject.is_comment)
    return save_cell(actor, handle, CellWrite(student_id, column, cell, seen_version))


def save_paste(
    actor: User,
    handle: GridHandle,
    scoped: Sequence[ScopedWrite],
    *,
    source: str = "batch",
    action: str = "grade.batch_changed",
    comment: str | None = None,
) -> list[Change]:
    """A paste (or an import): every value valid — else BatchInvalid (422) naming each
    refused cell — then one all-or-nothing batch."""
    errors = {(w.student_id, w.column.key): (w.raw, w.error or "") for w in scoped if w.cell is None}
    if errors:
        raise BatchInvalid(errors)
    writes = [CellWrite(w.student_id, w.column, w.cell, w.seen_version) for w in scoped if w.cell is not None]
    return save_batch(actor, handle, writes, source=source, action=action, comment=comment)


def save_batch(
    actor: User,
    handle: GridHandle,
    writes: Sequence[CellWrite],
    *,
    source: str = "batch",
    action: str = "grade.batch_changed",
    comment: str | None = None,
) -> list[Change]:
    """All-or-nothing: raises BatchConflict listing every stale cell (the caller rolls back).

    A fixed number of statements for new cells (one multi-row INSERT … ON CONFLICT DO NOTHING
    RETURNING, one for the history), plus one conditional UPDATE per changed existing cell.
    """
    check_can_write(actor, handle)
    gid = handle.id
    latest = {(w.student_id, w.column.kind, w.column.idx): w for w in writes}  # a cell once
    existing = {
        (s.student_id, s.kind, s.idx): s
        for s in db.session.scalars(
            select(Score)
            .where(
                Score.gradebook_id == gid,
                Score.student_id.in_({w.student_id for w in latest.values()}),
            )
            .execution_options(populate_existing=True)
        )
    }
    now = utcnow()
    conflicts: list[CellConflict] = []
    inserts: list[dict[str, Any]] = []
    updates: list[tuple[Score, CellWrite]] = []
    changes: list[Change] = []
    history: list[dict[str, Any]] = []
    for key, w in latest.items():
        cur = existing.get(key)
        new = (w.cell.value, w.cell.comment)
        if w.seen_version == 0 and cur is None:
            if w.cell.is_blank:
                continue
            inserts.append(
                {
                    "gradebook_id": gid,
                    "student_id": w.student_id,
                    "kind": w.column.kind,
                    "idx": w.column.idx,
                    "value": new[0],
                    "comment": new[1],
                    "version": 1,
                    "updated_by_id": actor.id,
                    "updated_at": now,
                }
            )
            old: tuple[Decimal | None, str | None] = (None, None)
        elif cur is None or cur.version != w.seen_version:
            conflicts.append(CellConflict(w.student_id, w.column, cur))
            continue
        else:
            old = (cur.value, cur.comment)
            if old == new:
                continue
            updates.append((cur, w))
        changes.append(Change(w.student_id, w.column, audit_value(*old), audit_value(*new)))
        history.append(
            {
                "gradebook_id": gid,
                "student_id": w.student_id,
                "kind": w.column.kind,
                "idx": w.column.idx,
                "old_value": old[0],
                "old_comment": old[1],
                "new_value": new[0],
                "new_comment": new[1],
                "source": source,
                "reason": None,
                "correction_id": None,
                "actor_id": actor.id,
                "at": now,
            }
        )
    if conflicts:
        raise BatchConflict(conflicts)
    if inserts:
        inserted = {
            tuple(r)
            for r in db.session.execute(
                dialect_insert(Score)
                .on_conflict_do_nothing(index_elements=["gradebook_id", "student_id", "kind", "idx"])
                .returning(Score.student_id, Score.kind, Score.idx),
                inserts,
            )
        }
        lost = [r for r in inserts if (r["student_id"], r["kind"], r["idx"]) not in inserted]
        if lost:  # someone created these cells meanwhile
            raise BatchConflict([CellConflict(r["student_id"], Column(r["kind"], r["idx"]), None) for r in lost])
    for cur, w in updates:
        result = db.session.execute(
            update(Score)
            .where(Score.id == cur.id, Score.version == w.seen_version)
            .values(
                value=w.cell.value,
                comment=w.cell.comment,
                version=Score.version + 1,
                updated_by_id=actor.id,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            conflicts.append(CellConflict(w.student_id, w.column, None))
    if conflicts:
        raise BatchConflict(conflicts)
    if history:
        db.session.execute(insert(ScoreHistory), history)
        db.session.flush()
        audit.record(
            actor,
            action,
            handle.gradebook,
            comment=comment,
            changes={
                "subject_id": handle.subject.id,
                "count": len(changes),
                "cells": {f"{c.student_id}:{c.column.key}": [c.old, c.new] for c in changes},
            },
        )
    return changes


def reject_locked_write(
    actor: User, handle: GridHandle, attempt: str, lock: locking.Lock, detail: dict[str, Any] | None = None
) -> None:
    """One `grade.write_rejected_locked` event per refused write, in a transaction of its
    own: nothing of the refused write survives (the caller rolled it back), the refusal does."""
    changes = {"attempt": attempt, "lock": lock.code, **(detail or {})}
    audit.record(actor, "grade.write_rejected_locked", handle.gradebook, changes=changes, comment=lock.message)
