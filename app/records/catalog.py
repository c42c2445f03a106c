"""Record types and their approval chains (R14: chains are data, per record type).

Writers for the admin screen, and `ensure_default_record_types()`, which creates the
types of Công văn 5512 that are missing (never changes existing ones), so seeding and
tests do not depend on a data migration. Services flush, never commit; one audit event
per change.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.audit import services as audit
from app.core.authz import Role, require
from app.core.models import apply_changes
from app.core.vn import nfc
from app.extensions import db
from app.records.models import MadeBy, RecordType, StepKind

SO_DIEM = "so_diem"
KE_HOACH_BAI_DAY = "ke_hoach_bai_day"

#: (code, name, chain, made_by, deadline days before the lesson, class+subject, linked only)
DEFAULT_TYPES: tuple[tuple[str, str, list[str], MadeBy, int | None, bool, bool], ...] = (
    (KE_HOACH_BAI_DAY, "Kế hoạch bài dạy (giáo án) — Phụ lục IV", ["to_truong", "bgh"], MadeBy.TEACHER, 2, True, False),
    (
        "ke_hoach_giao_duc_gv",
        "Kế hoạch giáo dục của giáo viên — Phụ lục III",
        ["to_truong", "bgh"],
        MadeBy.TEACHER,
        None,
        False,
        False,
    ),
    (
        "ke_hoach_day_hoc_to",
        "Kế hoạch dạy học môn học của tổ chuyên môn — Phụ lục I",
        ["hieu_truong"],
        MadeBy.HEAD,
        None,
        False,
        False,
    ),
    (
        "ke_hoach_hoat_dong_to",
        "Kế hoạch tổ chức các hoạt động giáo dục của tổ — Phụ lục II",
        ["hieu_truong"],
        MadeBy.HEAD,
        None,
        False,
        False,
    ),
    ("bien_ban_sinh_hoat_to", "Biên bản sinh hoạt tổ chuyên môn", ["hieu_truong"], MadeBy.HEAD, None, False, False),
    (
        SO_DIEM,
        "Sổ điểm (sổ theo dõi và đánh giá học sinh)",
        ["to_truong", "hieu_truong"],
        MadeBy.TEACHER,
        None,
        True,
        True,
    ),
)
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class RecordTypeError(ValueError):
    """A user-facing problem with a record type, in Vietnamese."""


def ensure_default_record_types(actor: Any = None) -> list[RecordType]:
    """Create the default types that do not exist yet; return all of them in order."""
    existing = {t.code: t for t in db.session.scalars(select(RecordType))}
    for order, spec in enumerate(DEFAULT_TYPES):
        code, name, chain, made_by, days, class_subject, linked = spec
        if code not in existing:
            existing[code] = _create(
                actor,
                code=code,
                name=name,
                chain=chain,
                made_by=made_by.value,
                deadline_days_before_lesson=days,
                requires_class_subject=class_subject,
                linked_only=linked,
                active=True,
                sort_order=(order + 1) * 10,
                description=None,
            )
    return sorted(existing.values(), key=lambda t: (t.sort_order, t.id))


def clean_chain(chain: list[str]) -> list[str]:
    steps = [str(k).strip() for k in chain if str(k).strip()]
    if not steps:
        raise RecordTypeError("Chuỗi phê duyệt cần ít nhất một bước.")
    valid = {k.value for k in StepKind}
    if any(k not in valid for k in steps):
        raise RecordTypeError("Chuỗi phê duyệt có bước không hợp lệ.")
    if len(set(steps)) != len(steps):
        raise RecordTypeError("Một bước không được lặp lại trong chuỗi phê duyệt.")
    if StepKind.HEAD.value in steps[1:]:
        raise RecordTypeError("Bước tổ trưởng phải đứng đầu chuỗi phê duyệt.")
    return steps


def _validated(fields: dict[str, Any]) -> dict[str, Any]:
    out = dict(fields)
    out["name"] = nfc(out.get("name")).strip()
    if not out["name"]:
        raise RecordTypeError("Vui lòng nhập tên loại hồ sơ.")
    out["chain"] = clean_chain(out.get("chain") or [])
    if out.get("made_by") not in {m.value for m in MadeBy}:
        raise RecordTypeError("Người lập hồ sơ không hợp lệ.")
    days = out.get("deadline_days_before_lesson")
    if days is not None and not 0 <= int(days) <= 60:
        raise RecordTypeError("Hạn nộp phải từ 0 đến 60 ngày trước ngày dạy.")
    if days is not None and not out.get("requires_class_subject"):
        raise RecordTypeError("Hạn nộp theo ngày dạy chỉ dùng cho hồ sơ gắn với lớp và môn.")
    if out.get("description") is not None:
        out["description"] = nfc(out["description"]).strip() or None
    return out


def _create(actor: Any, **fields: Any) -> RecordType:
    code = (fields.get("code") or "").strip().lower()
    if not _CODE.match(code):
        raise RecordTypeError(
            "Mã loại hồ sơ chỉ gồm chữ thường không dấu, số và gạch dưới (2–40 ký tự), bắt đầu bằng chữ."
        )
    if db.session.scalar(select(RecordType.id).where(RecordType.code == code)):
        raise RecordTypeError(f"Mã loại hồ sơ '{code}' đã tồn tại.")
    fields = _validated(fields)
    record_type = RecordType(**{**fields, "code": code})
    db.session.add(record_type)
    db.session.flush()
    audit.record(
        actor, "record_type.created", record_type, changes={k: [None, v] for k, v in {**fields, "code": code}.items()}
    )
    return record_type


def create_type(actor: Any, **fields: Any) -> RecordType:
    require(Role.ADMIN in actor.roles, "record_type.create")
    return _create(actor, **fields)


def update_type(actor: Any, record_type: RecordType, **fields: Any) -> dict:
    """Change a type (not its code). Records already submitted keep their frozen chain."""
    require(Role.ADMIN in actor.roles, "record_type.update")
    fields.pop("code", None)
    diff = apply_changes(record_type, **_validated(fields))
    if diff:
        db.session.flush()
        audit.record(actor, "record_type.updated", record_type, changes=diff)
    return diff


def get_type_by_code(code: str) -> RecordType | None:
    return db.session.scalar(select(RecordType).where(RecordType.code == code))
