"""A record's author at work: create it, edit its details, add a version, delete a draft.

Every change outside the workflow table is guarded by the same row version as the moves
(`_bump`), so it cannot interleave with a decision; each writes one audit event, built
after its last field change, whose `changes` name every column it set.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import CursorResult, update

from app.audit import services as audit
from app.core.authz import require
from app.core.models import apply_changes, utcnow
from app.core.vn import nfc
from app.core.workflow import WorkflowConflict
from app.extensions import db
from app.records import policy, queries
from app.records.models import MadeBy, Record, RecordFile, RecordType, RecordVersion, version_hash
from app.records.services.decisions import submit_record
from app.records.services.errors import LOCKED, STALE, RecordError
from app.records.uploads import StoredFile

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.school.models import Subject

MAX_FILES_PER_VERSION = 10


def due_date_for(record_type: RecordType, lesson_date: date | None) -> date | None:
    days = record_type.deadline_days_before_lesson
    return None if days is None or lesson_date is None else lesson_date - timedelta(days=days)


def _department_id(actor: User, record_type: RecordType, subject: Subject | None) -> int | None:
    if subject is not None and subject.department_id:
        return subject.department_id
    if record_type.made_by == MadeBy.HEAD.value:
        led = actor.led_department_ids()
        if led:
            return actor.department_id if actor.department_id in led else led[0]
    return actor.department_id


def _bump(record: Record, seen_version: int | None, states: tuple[str, ...]) -> None:
    """Claim the row (version + 1) if nobody moved it since the user saw it, else 409."""
    if seen_version is None:
        raise WorkflowConflict(STALE)
    result = cast(
        CursorResult[Any],
        db.session.execute(
            update(Record)
            .where(Record.id == record.id, Record.version == int(seen_version), Record.state.in_(states))
            .values(version=Record.version + 1)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        raise WorkflowConflict(STALE)
    db.session.refresh(record)


def _new_version(
    actor: User, record: Record, files: Sequence[StoredFile], keep: Sequence[RecordFile], note: str | None
) -> RecordVersion:
    if not files and not keep:
        raise RecordError("Cần đính kèm ít nhất một tệp (PDF, DOCX, XLSX hoặc PPTX).")
    if len(files) + len(keep) > MAX_FILES_PER_VERSION:
        raise RecordError(f"Mỗi phiên bản có tối đa {MAX_FILES_PER_VERSION} tệp.")
    hashes = [f.sha256 for f in keep] + [f.sha256 for f in files]
    version = RecordVersion(
        record=record,
        number=len(record.versions) + 1,
        content_hash=version_hash(hashes),
        created_by_id=actor.id,
        note=nfc(note).strip() or None,
    )
    sources: list[RecordFile | StoredFile] = [*keep, *files]
    for f in sources:
        version.files.append(
            RecordFile(sha256=f.sha256, original_name=f.original_name, size=f.size, mime=f.mime, kind=f.kind)
        )
    db.session.add(version)
    db.session.flush()
    return version


def _clean_title(title: str | None) -> str:
    title = nfc(title).strip()
    if not title:
        raise RecordError("Vui lòng nhập tiêu đề hồ sơ.")
    return title


def _check_lesson_date(record_type: RecordType, lesson_date: date | None) -> None:
    if record_type.deadline_days_before_lesson is not None and lesson_date is None:
        raise RecordError("Vui lòng nhập ngày dạy để tính hạn nộp.")


def create(
    actor: User,
    record_type: RecordType,
    *,
    title: str,
    files: Sequence[StoredFile],
    class_id: int | None = None,
    subject_id: int | None = None,
    term_id: int | None = None,
    week: int | None = None,
    lesson_no: int | None = None,
    lesson_date: date | None = None,
    notes: str | None = None,
    version_note: str | None = None,
    link_key: str | None = None,
) -> Record:
    """A new draft and its first version (no policy check: the callers make it)."""
    title = _clean_title(title)
    if record_type.requires_class_subject:
        if not (class_id and subject_id):
            raise RecordError("Loại hồ sơ này cần chọn lớp và môn học.")
        if not queries.teaches(actor.id, class_id, subject_id):
            raise RecordError("Bạn không được phân công dạy lớp và môn này.")
    _check_lesson_date(record_type, lesson_date)
    record = Record(
        record_type=record_type,
        author_id=actor.id,
        department_id=_department_id(actor, record_type, queries.subject(subject_id)),
        class_id=class_id,
        subject_id=subject_id,
        term_id=term_id,
        link_key=link_key,
        title=title,
        week=week,
        lesson_no=lesson_no,
        lesson_date=lesson_date,
        notes=nfc(notes).strip() or None,
        due_date=due_date_for(record_type, lesson_date),
    )
    db.session.add(record)
    db.session.flush()
    version = _new_version(actor, record, files, [], version_note)
    set_columns = ("title", "class_id", "subject_id", "term_id", "department_id", "link_key", "week", "lesson_no")
    audit.record(
        actor,
        "record.created",
        record,
        file_sha256=version.content_hash,
        comment=version.note,
        changes={
            "type": [None, record_type.code],
            **{name: [None, getattr(record, name)] for name in set_columns},
            "lesson_date": [None, record.lesson_date],
            "due_date": [None, record.due_date],
            "notes": [None, record.notes],
            "version_no": [None, version.number],
            "files": [None, [f.original_name for f in version.files]],
        },
    )
    return record


def create_record(
    actor: User,
    record_type: RecordType,
    *,
    title: str,
    files: Sequence[StoredFile],
    submit: bool = False,
    class_id: int | None = None,
    subject_id: int | None = None,
    week: int | None = None,
    lesson_no: int | None = None,
    lesson_date: date | None = None,
    notes: str | None = None,
) -> Record:
    """A teacher's (or tổ trưởng's) new record with its first version; optionally submitted."""
    require(policy.can_create(actor, record_type), "record.create")
    record = create(
        actor,
        record_type,
        title=title,
        files=files,
        class_id=class_id,
        subject_id=subject_id,
        week=week,
        lesson_no=lesson_no,
        lesson_date=lesson_date,
        notes=notes,
    )
    if submit:
        submit_record(actor, record, seen_version=record.version)
    return record


def _editable(actor: User, record: Record, verb: str) -> None:
    if record.state not in policy.EDITABLE:
        raise WorkflowConflict(LOCKED)
    require(policy.can_edit(actor, record), verb)


def add_version(
    actor: User,
    record: Record,
    *,
    seen_version: int | None,
    files: Sequence[StoredFile],
    keep_file_ids: Sequence[int] = (),
    note: str | None = None,
    submit: bool = False,
) -> RecordVersion:
    """A new immutable version: new uploads plus files kept from the current version;
    with submit=True it is submitted at once (a resubmission after a return)."""
    _editable(actor, record, "record.add_version")
    current = record.current_version
    keep = [f for f in (current.files if current else []) if f.id in set(keep_file_ids)]
    old_no = current.number if current else None
    _bump(record, seen_version, policy.EDITABLE)
    version = _new_version(actor, record, files, keep, note)
    audit.record(
        actor,
        "record.version_added",
        record,
        file_sha256=version.content_hash,
        comment=version.note,
        changes={"version_no": [old_no, version.number], "files": [None, [f.original_name for f in version.files]]},
    )
    if submit:
        submit_record(actor, record, seen_version=record.version)
    return version


def update_record(
    actor: User,
    record: Record,
    *,
    seen_version: int | None,
    title: str,
    week: int | None = None,
    lesson_no: int | None = None,
    lesson_date: date | None = None,
    notes: str | None = None,
) -> dict[str, list[Any]]:
    _editable(actor, record, "record.update")
    title = _clean_title(title)
    _check_lesson_date(record.record_type, lesson_date)
    _bump(record, seen_version, policy.EDITABLE)
    diff = apply_changes(
        record,
        title=title,
        week=week,
        lesson_no=lesson_no,
        lesson_date=lesson_date,
        notes=nfc(notes).strip() or None,
        due_date=due_date_for(record.record_type, lesson_date),
    )
    if diff:
        db.session.flush()
        audit.record(actor, "record.updated", record, changes=diff)
    return diff


def delete_record(actor: User, record: Record, *, seen_version: int | None) -> None:
    """Only a draft that was never submitted; it disappears from lists (kept for the audit)."""
    if not policy.can_delete(actor, record) and policy.is_author(actor, record):
        raise WorkflowConflict("Chỉ xoá được bản nháp chưa từng nộp.")
    require(policy.can_delete(actor, record), "record.delete")
    _bump(record, seen_version, ("draft",))
    record.deleted_at = utcnow()
    db.session.flush()
    audit.record(actor, "record.deleted", record, changes={"deleted_at": [None, record.deleted_at]})
