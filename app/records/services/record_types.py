"""Record types and their approval chains (R14: chains are data, per record type).

Writers for the admin screen, and `ensure_default_record_types()`, which creates the
types of Công văn 5512 that are missing (never changes existing ones), so seeding and
tests do not depend on a data migration. Services flush, never commit; one audit event
per change, carrying every column it set.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, TypedDict, Unpack

from sqlalchemy import select

from app.audit import services as audit
from app.core.authz import require
from app.core.models import apply_changes
from app.core.vn import nfc
from app.extensions import db
from app.records import policy
from app.records.models import MadeBy, RecordType, StepKind
from app.records.services.errors import RecordTypeError

if TYPE_CHECKING:
    from app.accounts.models import User

SO_DIEM = "so_diem"
KE_HOACH_BAI_DAY = "ke_hoach_bai_day"
#: a class's results of a period (HK I, HK II, cả năm, sau hè), kept by app.results: the
#: GVCN submits, the hiệu trưởng approves (a phó hiệu trưởng when the school delegates)
KET_QUA_LOP = "ket_qua_lop"
#: a class's monthly report (báo cáo tháng), kept by app.results when the school requires
#: a BGH member to approve it before it is published
BAO_CAO_THANG = "bao_cao_thang"

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
    (
        KET_QUA_LOP,
        "Kết quả học kỳ / năm học của lớp (chốt sổ)",
        ["hieu_truong"],
        MadeBy.TEACHER,
        None,
        False,
        True,
    ),
    (BAO_CAO_THANG, "Báo cáo kết quả tháng của lớp (gửi cha mẹ học sinh)", ["bgh"], MadeBy.TEACHER, None, False, True),
)
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class TypeSettings(TypedDict):
    """What an admin sets on a record type (its code and linked_only are set once, at creation)."""

    name: str | None
    description: str | None
    chain: list[str]
    made_by: str | None
    deadline_days_before_lesson: int | None
    requires_class_subject: bool
    active: bool
    sort_order: int | None


def ensure_default_record_types(actor: User | None = None) -> list[RecordType]:
    """Create the default types that do not exist yet; return all of them in order."""
    existing = {t.code: t for t in db.session.scalars(select(RecordType))}
    for order, spec in enumerate(DEFAULT_TYPES):
        code, name, chain, made_by, days, class_subject, linked = spec
        if code not in existing:
            existing[code] = _create(
                actor,
                code=code,
                linked_only=linked,
                settings=TypeSettings(
                    name=name,
                    description=None,
                    chain=chain,
                    made_by=made_by.value,
                    deadline_days_before_lesson=days,
                    requires_class_subject=class_subject,
                    active=True,
                    sort_order=(order + 1) * 10,
                ),
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


def _validated(settings: TypeSettings) -> TypeSettings:
    name = nfc(settings["name"]).strip()
    if not name:
        raise RecordTypeError("Vui lòng nhập tên loại hồ sơ.")
    if settings["made_by"] not in {m.value for m in MadeBy}:
        raise RecordTypeError("Người lập hồ sơ không hợp lệ.")
    days = settings["deadline_days_before_lesson"]
    if days is not None and not 0 <= days <= 60:
        raise RecordTypeError("Hạn nộp phải từ 0 đến 60 ngày trước ngày dạy.")
    if days is not None and not settings["requires_class_subject"]:
        raise RecordTypeError("Hạn nộp theo ngày dạy chỉ dùng cho hồ sơ gắn với lớp và môn.")
    order = settings["sort_order"]
    if order is None or not 0 <= order <= 10000:
        raise RecordTypeError("Thứ tự hiển thị là số từ 0 đến 10000.")
    return {
        **settings,
        "name": name,
        "chain": clean_chain(settings["chain"]),
        "description": nfc(settings["description"]).strip() or None,
    }


def _create(actor: User | None, *, code: str, linked_only: bool, settings: TypeSettings) -> RecordType:
    code = code.strip().lower()
    if not _CODE.match(code):
        raise RecordTypeError(
            "Mã loại hồ sơ chỉ gồm chữ thường không dấu, số và gạch dưới (2–40 ký tự), bắt đầu bằng chữ."
        )
    if db.session.scalar(select(RecordType.id).where(RecordType.code == code)):
        raise RecordTypeError(f"Mã loại hồ sơ '{code}' đã tồn tại.")
    columns = {**_validated(settings), "linked_only": linked_only, "code": code}
    record_type = RecordType(**columns)
    db.session.add(record_type)
    db.session.flush()
    audit.record(actor, "record_type.created", record_type, changes={k: [None, v] for k, v in columns.items()})
    return record_type


def create_type(actor: User, *, code: str, linked_only: bool = False, **settings: Unpack[TypeSettings]) -> RecordType:
    require(policy.can_manage_types(actor), "record_type.create")
    return _create(actor, code=code, linked_only=linked_only, settings=settings)


def update_type(actor: User, record_type: RecordType, **settings: Unpack[TypeSettings]) -> dict[str, list[Any]]:
    """Change a type (not its code). Records already submitted keep their frozen chain."""
    require(policy.can_manage_types(actor), "record_type.update")
    diff = apply_changes(record_type, **_validated(settings))
    if diff:
        db.session.flush()
        audit.record(actor, "record_type.updated", record_type, changes=diff)
    return diff
