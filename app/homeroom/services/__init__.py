"""Homeroom services — the only writers of app.homeroom's tables (they flush, never commit).

- classbook.py    the GVCN's class book: rèn luyện, nhận xét, attendance, summer results,
                  and the exemption requests asked from it; every write refused (409)
                  once a close froze its data (app.homeroom.locking);
- corrections.py  after a close: the GVCN proposes a correction with a reason → BGH
                  approves (applied, `core.signals.assessment_corrected` sent) or returns.

Import from here: `from app.homeroom import services`.
"""

from __future__ import annotations

from app.homeroom.services import corrections
from app.homeroom.services.classbook import ACTION_LABELS as _CLASS_BOOK_LABELS
from app.homeroom.services.classbook import (
    ATTENDANCE_STATUS,
    HomeroomError,
    RowConflict,
    attendance_status,
    check_attendance,
    decide_exemption,
    request_exemption,
    save_summer,
    set_attendance,
    set_conduct,
    set_remark,
    set_retest,
    set_summer_conduct,
)

#: the Vietnamese label of every audit action the homeroom writes (registered with audit)
ACTION_LABELS = {
    **_CLASS_BOOK_LABELS,
    "homeroom_correction.requested": "Đề nghị điều chỉnh sổ chủ nhiệm",
    "homeroom_correction.approved": "Phê duyệt điều chỉnh sổ chủ nhiệm",
    "homeroom_correction.returned": "Không duyệt điều chỉnh sổ chủ nhiệm",
    "homeroom_correction.withdrawn": "Rút đề nghị điều chỉnh sổ chủ nhiệm",
    "homeroom_correction.submitted": "Gửi lại đề nghị điều chỉnh sổ chủ nhiệm",
}

__all__ = [
    "ACTION_LABELS",
    "ATTENDANCE_STATUS",
    "HomeroomError",
    "RowConflict",
    "attendance_status",
    "check_attendance",
    "corrections",
    "decide_exemption",
    "request_exemption",
    "save_summer",
    "set_attendance",
    "set_conduct",
    "set_remark",
    "set_retest",
    "set_summer_conduct",
]
