"""Records: the only writers (DOMAIN.md §5, R14, R15).

States (core.workflow): draft ─submit→ submitted(step 0 … n-1) ─approve at the last step→
approved (final); submitted ─return (comment)→ returned ─new version, submit→ submitted;
submitted at step 0 ─withdraw→ draft.

Invariants:
- a version is an immutable set of stored files; its hash is sha256 over the files'
  sha256 values; a new version can be added only in draft or returned, so a new
  submission always starts the chain again and earlier approvals never carry over;
- every decision is bound to the exact version acted on (RecordDecision.version_hash,
  and the audit event's file_sha256);
- approved is final: nobody can edit, re-version, withdraw or delete it;
- a reviewer never decides their own record (R14), nor two steps of one submission;
- changes outside the workflow table (edit, new version, delete) are guarded by the same
  row version as the moves, so they cannot interleave with a decision;
- services flush, never commit; one audit event per change.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update

from app.audit import services as audit
from app.core.authz import require
from app.core.database import lock_for_update
from app.core.models import apply_changes, utcnow
from app.core.vn import nfc
from app.core.workflow import WorkflowConflict
from app.extensions import db
from app.records import catalog, policy, queries
from app.records.catalog import ensure_default_record_types  # noqa: F401  (public API)
from app.records.decisions import (  # noqa: F401  (public API)
    STALE,
    RecordError,
    approve_record,
    return_record,
    submit_record,
    withdraw_record,
)
from app.records.models import (
    MadeBy,
    Record,
    RecordComment,
    RecordFile,
    RecordType,
    RecordVersion,
    version_hash,
)
from app.records.uploads import StoredFile, store_bytes
from app.school.models import Subject

MAX_FILES_PER_VERSION = 10
#: the Vietnamese label of every action this domain writes (registered with audit)
ACTION_LABELS = {
    "record.created": "Tạo hồ sơ",
    "record.submitted": "Nộp duyệt",
    "record.approved": "Duyệt",
    "record.returned": "Trả lại",
    "record.withdrawn": "Rút lại",
    "record.version_added": "Tải lên phiên bản mới",
    "record.updated": "Sửa thông tin",
    "record.commented": "Trao đổi",
    "record.deleted": "Xoá bản nháp",
    "record.file_downloaded": "Tải tệp về",
    "records.compliance_exported": "Xuất báo cáo nộp hồ sơ",
    "record_type.created": "Tạo loại hồ sơ",
    "record_type.updated": "Sửa loại hồ sơ",
}
#: what the BGH's live feed shows: submissions and decisions across the school
FEED_ACTIONS = ("record.submitted", "record.approved", "record.returned", "record.withdrawn", "record.version_added")
LOCKED = "Hồ sơ đã nộp hoặc đã duyệt nên không thể sửa. Hồ sơ bị trả lại mới sửa được."


def due_date_for(record_type: RecordType, lesson_date: date | None) -> date | None:
    days = record_type.deadline_days_before_lesson
    return None if days is None or lesson_date is None else lesson_date - timedelta(days=days)


def _department_id(actor: Any, record_type: RecordType, subject: Subject | None) -> int | None:
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
    result = db.session.execute(
        update(Record)
        .where(Record.id == record.id, Record.version == int(seen_version), Record.state.in_(states))
        .values(version=Record.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise WorkflowConflict(STALE)
    db.session.refresh(record)


def _new_version(
    actor: Any, record: Record, files: list[StoredFile], keep: list[RecordFile], note: str | None
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
    for f in keep:
        version.files.append(
            RecordFile(sha256=f.sha256, original_name=f.original_name, size=f.size, mime=f.mime, kind=f.kind)
        )
    for s in files:
        version.files.append(
            RecordFile(sha256=s.sha256, original_name=s.original_name, size=s.size, mime=s.mime, kind=s.kind)
        )
    db.session.add(version)
    db.session.flush()
    return version


def _create(
    actor: Any,
    record_type: RecordType,
    *,
    title: str,
    files: list[StoredFile],
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
    title = nfc(title).strip()
    if not title:
        raise RecordError("Vui lòng nhập tiêu đề hồ sơ.")
    if record_type.requires_class_subject:
        if not (class_id and subject_id):
            raise RecordError("Loại hồ sơ này cần chọn lớp và môn học.")
        if not queries.teaches(actor.id, class_id, subject_id):
            raise RecordError("Bạn không được phân công dạy lớp và môn này.")
    if record_type.deadline_days_before_lesson is not None and lesson_date is None:
        raise RecordError("Vui lòng nhập ngày dạy để tính hạn nộp.")
    subject = db.session.get(Subject, subject_id) if subject_id else None
    record = Record(
        record_type=record_type,
        author_id=actor.id,
        department_id=_department_id(actor, record_type, subject),
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
    audit.record(
        actor,
        "record.created",
        record,
        file_sha256=version.content_hash,
        changes={
            "type": [None, record_type.code],
            "title": [None, title],
            "class_id": [None, class_id],
            "subject_id": [None, subject_id],
            "term_id": [None, term_id],
            "lesson_date": [None, lesson_date],
            "due_date": [None, record.due_date],
            "version_no": [None, 1],
            "files": [None, [f.original_name for f in version.files]],
        },
    )
    return record


def create_record(
    actor: Any, record_type: RecordType, *, title: str, files: list[StoredFile], submit: bool = False, **fields: Any
) -> Record:
    """A teacher's (or tổ trưởng's) new record with its first version; optionally submitted."""
    require(policy.can_create(actor, record_type), "record.create")
    record = _create(actor, record_type, title=title, files=files, **fields)
    if submit:
        submit_record(actor, record, seen_version=record.version)
    return record


def _editable(actor: Any, record: Record, verb: str) -> None:
    if record.state not in policy.EDITABLE:
        raise WorkflowConflict(LOCKED)
    require(policy.can_edit(actor, record), verb)


def add_version(
    actor: Any,
    record: Record,
    *,
    seen_version: int | None,
    files: list[StoredFile],
    keep_file_ids: list[int] | tuple[int, ...] = (),
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
    actor: Any,
    record: Record,
    *,
    seen_version: int | None,
    title: str,
    week: int | None = None,
    lesson_no: int | None = None,
    lesson_date: date | None = None,
    notes: str | None = None,
) -> dict:
    _editable(actor, record, "record.update")
    title = nfc(title).strip()
    if not title:
        raise RecordError("Vui lòng nhập tiêu đề hồ sơ.")
    if record.record_type.deadline_days_before_lesson is not None and lesson_date is None:
        raise RecordError("Vui lòng nhập ngày dạy để tính hạn nộp.")
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


def delete_record(actor: Any, record: Record, *, seen_version: int | None) -> None:
    """Only a draft that was never submitted; it disappears from lists (kept for the audit)."""
    if not policy.can_delete(actor, record) and policy.is_author(actor, record):
        raise WorkflowConflict("Chỉ xoá được bản nháp chưa từng nộp.")
    require(policy.can_delete(actor, record), "record.delete")
    _bump(record, seen_version, ("draft",))
    record.deleted_at = utcnow()
    db.session.flush()
    audit.record(actor, "record.deleted", record, changes={"deleted": [False, True]})


def add_comment(actor: Any, record: Record, body: str) -> RecordComment:
    require(policy.can_comment(actor, record), "record.comment")
    body = nfc(body).strip()
    if not body:
        raise RecordError("Vui lòng nhập nội dung trao đổi.")
    if len(body) > 4000:
        raise RecordError("Nội dung trao đổi tối đa 4000 ký tự.")
    current = record.current_version
    comment = RecordComment(record=record, author_id=actor.id, body=body, version_id=current.id if current else None)
    db.session.add(comment)
    db.session.flush()
    audit.record(actor, "record.commented", record, comment=body, changes={"comment_id": [None, comment.id]})
    return comment


def record_download(actor: Any, record: Record, record_file: RecordFile) -> None:
    """Every download of a record's file is traced (R23)."""
    require(policy.can_view(actor, record), "record.download")
    audit.record(
        actor,
        "record.file_downloaded",
        record,
        file_sha256=record_file.sha256,
        changes={"file_id": record_file.id, "name": record_file.original_name},
    )


# --- the grade book's contract ----------------------------------------------------------


def _lock_key(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def submit_linked(
    actor: Any,
    *,
    type_code: str,
    class_id: int,
    subject_id: int,
    term_id: int,
    title: str,
    files: list[tuple[str, bytes]],
    note: str | None = None,
) -> Record:
    """Create (or re-version, when draft/returned) and submit the record another module
    keeps for (type, class, subject, term) — e.g. the grade book's Sổ điểm.

    `files` are server-generated (name, bytes): stored by sha256 without sniffing.
    Raises RecordError (422) for an unknown type or a teacher not assigned to the class
    and subject, WorkflowConflict (409) when the record is already submitted or approved,
    and 403 when someone other than its author resubmits it.
    """
    record_type = catalog.get_type_by_code(type_code)
    if record_type is None or not record_type.active:
        raise RecordError(f"Chưa có loại hồ sơ “{type_code}” (hoặc loại này đã ngừng dùng).")
    if not queries.teaches(actor.id, class_id, subject_id):
        raise RecordError("Bạn không được phân công dạy lớp và môn này.")
    key = queries.link_key(type_code, class_id, subject_id, term_id)
    lock_for_update(db.session, _lock_key(key))
    record = queries.linked_record(type_code, class_id, subject_id, term_id)
    stored = [store_bytes(name, data) for name, data in files]
    if record is None:
        record = _create(
            actor,
            record_type,
            title=title,
            files=stored,
            class_id=class_id,
            subject_id=subject_id,
            term_id=term_id,
            version_note=note,
            link_key=key,
        )
    else:
        add_version(actor, record, seen_version=record.version, files=stored, note=note)
    return submit_record(actor, record, seen_version=record.version)
