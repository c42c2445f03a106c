"""School settings for the TT22 readings DOMAIN.md marks [≈]/[?] (stored in SchoolSetting),
and the terms' lock dates (R17). Each changed key writes its own `setting.changed` event,
each changed term its `term.updated` (both through app.school's services)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from app.core.errors import DomainError
from app.gradebook.tt22 import AdjustmentReading, LearningSettings
from app.school import services as school

if TYPE_CHECKING:
    from app.accounts.models import User
    from app.school.models import Term

R7_READING = "gradebook.r7_reading"
R7_COUNTS_COMMENT = "gradebook.r7_counts_comment_subjects"
MISSED_TEST_RULE = "gradebook.missed_test_rule"
MISSED_RULES = ("zero", "blank")


class SettingsError(DomainError):
    """422: a setting the form should not have offered, or a lock date the term refuses."""


def learning_settings() -> LearningSettings:
    reading = school.get_setting(R7_READING, AdjustmentReading.ONE_STEP_ABOVE_COMPUTED.value)
    counts = school.get_setting(R7_COUNTS_COMMENT, "1")
    try:
        parsed = AdjustmentReading(reading)
    except ValueError:
        parsed = AdjustmentReading.ONE_STEP_ABOVE_COMPUTED
    return LearningSettings(parsed, counts != "0")


def missed_test_rule() -> str:
    value = school.get_setting(MISSED_TEST_RULE, "zero")
    return value if value in MISSED_RULES else "zero"


def save_settings(
    actor: User | None, *, adjustment_reading: str, adjustment_counts_comment: bool, missed_rule: str
) -> None:
    try:
        AdjustmentReading(adjustment_reading)
    except ValueError:
        raise SettingsError("Cách điều chỉnh mức học tập không hợp lệ; hãy chọn lại trong danh sách.") from None
    if missed_rule not in MISSED_RULES:
        raise SettingsError("Cách tính bài kiểm tra vắng không hợp lệ; hãy chọn lại trong danh sách.")
    school.set_setting(actor, R7_READING, adjustment_reading)
    school.set_setting(actor, R7_COUNTS_COMMENT, "1" if adjustment_counts_comment else "0")
    school.set_setting(actor, MISSED_TEST_RULE, missed_rule)


def set_lock_date(actor: User | None, term: Term, lock_date: date | None) -> None:
    """R17: the term's lock date (after it, every grade book of the term is read-only)."""
    try:
        school.update_term(actor, term, start_date=term.start_date, end_date=term.end_date, lock_date=lock_date)
    except school.SchoolError as exc:
        raise SettingsError(str(exc)) from None
