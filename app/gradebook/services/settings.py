"""School settings for the TT22 readings DOMAIN.md marks [≈]/[?] (stored in SchoolSetting)."""

from __future__ import annotations

from datetime import date
from typing import Any

from app.gradebook.tt22 import AdjustmentReading, LearningSettings
from app.school import services as school

R7_READING = "gradebook.r7_reading"
R7_COUNTS_COMMENT = "gradebook.r7_counts_comment_subjects"
MISSED_TEST_RULE = "gradebook.missed_test_rule"
MISSED_RULES = ("zero", "blank")


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


def save_settings(actor: Any, *, adjustment_reading: str, adjustment_counts_comment: bool, missed_rule: str) -> None:
    """Each changed key writes its own `setting.changed` event (school.set_setting)."""
    AdjustmentReading(adjustment_reading)  # raises on an unknown reading
    if missed_rule not in MISSED_RULES:
        raise ValueError(missed_rule)
    school.set_setting(actor, R7_READING, adjustment_reading)
    school.set_setting(actor, R7_COUNTS_COMMENT, "1" if adjustment_counts_comment else "0")
    school.set_setting(actor, MISSED_TEST_RULE, missed_rule)


def set_lock_date(actor: Any, term: Any, lock_date: date | None) -> dict:
    """R17: the term's lock date (after it, every grade book of the term is read-only)."""
    return school.update_term(actor, term, start_date=term.start_date, end_date=term.end_date, lock_date=lock_date)
