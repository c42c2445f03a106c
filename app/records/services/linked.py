"""The contract of the modules that keep a record of their own: the grade book's (type,
class, subject, term) and the class close's (type, class, period).

`submit_linked()` is called by the grade book's submission service with the Sổ điểm it
generated; `queries.linked_record()` tells it whether its content is locked.
`submit_class_linked()` is called by app.results with the class's results of a period;
`queries.linked_class_record()` reads it back. When such a record reaches its final
approval, `core.signals.linked_record_approved` is sent (decisions.approve_record).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from app.core.database import lock_for_update
from app.extensions import db
from app.records import queries
from app.records.models import Record, RecordType
from app.records.services.authoring import add_version, create
from app.records.services.decisions import submit_record
from app.records.services.errors import RecordError
from app.records.services.record_types import DEFAULT_TYPES, ensure_default_record_types
from app.records.uploads import stage_bytes

if TYPE_CHECKING:
    from app.accounts.models import User


def _lock_key(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def submit_linked(
    actor: User,
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

    `files` are server-generated (name, bytes): staged by sha256 without sniffing, stored
    when the caller's transaction commits. Raises RecordError (422) for an unknown type or
    a teacher not assigned to the class and subject, WorkflowConflict (409) when the
    record is already submitted or approved, and 403 when someone other than its author
    resubmits it.
    """
    record_type = _linked_type(type_code)
    if not queries.teaches(actor.id, class_id, subject_id):
        raise RecordError("Bạn không được phân công dạy lớp và môn này.")
    key = queries.link_key(type_code, class_id, subject_id, term_id)
    lock_for_update(db.session, _lock_key(key))
    record = queries.linked_record(type_code, class_id, subject_id, term_id)
    return _submit_keyed(
        actor, record, record_type, key, title, files, note, class_id=class_id, subject_id=subject_id, term_id=term_id
    )


def submit_class_linked(
    actor: User,
    *,
    type_code: str,
    class_id: int,
    period: str,
    term_id: int | None,
    title: str,
    files: list[tuple[str, bytes]],
    note: str | None = None,
    delegate_principal: bool = False,
) -> Record:
    """Create (or re-version) and submit the record another module keeps for a whole class
    and a period — app.results' close of the class's results. The caller authorises (the
    GVCN of the class); `delegate_principal`: the school lets a phó hiệu trưởng take the
    hiệu trưởng's step of this submission. Refusals as `submit_linked()`."""
    record_type = _linked_type(type_code)
    key = queries.class_link_key(type_code, class_id, period)
    lock_for_update(db.session, _lock_key(key))
    record = queries.linked_class_record(type_code, class_id, period)
    return _submit_keyed(
        actor,
        record,
        record_type,
        key,
        title,
        files,
        note,
        class_id=class_id,
        term_id=term_id,
        delegate_principal=delegate_principal,
    )


def _submit_keyed(
    actor: User,
    record: Record | None,
    record_type: RecordType,
    key: str,
    title: str,
    files: list[tuple[str, bytes]],
    note: str | None,
    *,
    class_id: int,
    subject_id: int | None = None,
    term_id: int | None = None,
    delegate_principal: bool = False,
) -> Record:
    stored = [stage_bytes(name, data) for name, data in files]
    if record is None:
        record = create(
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
    return submit_record(actor, record, seen_version=record.version, delegate_principal=delegate_principal)


def _linked_type(type_code: str) -> RecordType:
    """The record type of a linked submission. The built-in ones (Sổ điểm, kết quả lớp, báo
    cáo tháng) are created on first use, so a school that did not load the demo can submit."""
    record_type = queries.get_type_by_code(type_code)
    if record_type is None and type_code in {spec[0] for spec in DEFAULT_TYPES}:
        lock_for_update(db.session, _lock_key("records:default-types"))
        ensure_default_record_types()
        record_type = queries.get_type_by_code(type_code)
    if record_type is None or not record_type.active:
        raise RecordError(f"Chưa có loại hồ sơ “{type_code}” (hoặc loại này đã ngừng dùng).")
    return record_type
