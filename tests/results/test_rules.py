"""The outcome the rules module gives the last khối of a level, and the danh hiệu of a
student held back (pure: app.gradebook.tt22)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.gradebook import tt22
from app.gradebook.tt22 import CommentResult, EndOfYearInput, Level, Outcome, SubjectResult


def _subjects(score: str) -> list[SubjectResult]:
    scored = [SubjectResult.scored(f"Môn {i}", Decimal(score)) for i in range(8)]
    return scored + [SubjectResult.commented(f"NX {i}", CommentResult.DAT) for i in range(4)]


@pytest.mark.parametrize(
    ("grade", "outcome"),
    [(6, Outcome.LEN_LOP), (9, Outcome.HOAN_THANH_THCS), (10, Outcome.LEN_LOP), (12, Outcome.HOAN_THANH_THPT),
     (None, Outcome.LEN_LOP)],
)  # fmt: skip
def test_khoi_9_completes_thcs_and_khoi_12_thpt(grade, outcome) -> None:
    d = tt22.end_of_year(EndOfYearInput(_subjects("7.0"), Level.TOT, 3, grade_level=grade))
    assert d.outcome is outcome and d.outcome.passes
    assert d.label == {9: "Hoàn thành chương trình THCS", 12: "Hoàn thành chương trình THPT"}.get(grade, "Được lên lớp")


def test_khoi_9_held_back_or_retested_is_not_completion() -> None:
    absent = tt22.end_of_year(EndOfYearInput(_subjects("7.0"), Level.TOT, 46, grade_level=9))
    assert absent.outcome is Outcome.O_LAI_LOP and not absent.outcome.passes
    weak = [SubjectResult.scored(f"Môn {i}", Decimal("4.0")) for i in range(8)]
    retest = tt22.end_of_year(EndOfYearInput(weak, Level.DAT, 0, grade_level=9))
    assert retest.outcome is Outcome.KIEM_TRA_LAI
    after = [SubjectResult.scored(f"Môn {i}", Decimal("6.0")) for i in range(8)]
    done = tt22.end_of_year(EndOfYearInput(weak, Level.DAT, 0, retests=after, grade_level=9))
    assert done.outcome is Outcome.HOAN_THANH_THCS


def test_a_student_held_back_for_absences_keeps_the_danh_hieu_dieu_15_gives() -> None:
    """Our decision (README, "Chốt học kỳ / năm học"): TT22 Điều 15 conditions the titles on
    rèn luyện and học tập only, so absences (R11 (1)) hold the student back without taking
    the title away; the checklist's list notes it beside the name."""
    subjects = _subjects("9.5")
    decision = tt22.end_of_year(EndOfYearInput(subjects, Level.TOT, 46, grade_level=7))
    title = tt22.year_title(decision.conduct, decision.learning, [s.score for s in subjects if s.score])
    assert decision.outcome is Outcome.O_LAI_LOP and title is tt22.Title.XUAT_SAC
