"""When the GVCN's class book is read-only (the read side; the close itself is app.results').

A class's results of a period — HK I ("hk1"), HK II ("hk2"), cả năm ("cn"), after the
summer ("he") — are closed through the records workflow: app.results submits a record of
type KET_QUA_LOP linked to (class, period), the hiệu trưởng approves it. This module is
the ONE reader of that record's state for the class book: while it is submitted (chờ
duyệt) or approved (đã chốt), every write of the data it froze answers 409 (CloseLocked)
with a sentence naming the way out; after approval a change is a correction request
(services/corrections.py: GVCN proposes with a reason → BGH approves).

What each close freezes:
- rèn luyện and nhận xét of HK n: the close of HK n, of cả năm and of sau hè;
- a buổi nghỉ: the close of its term (days up to HK I's last day belong to HK I), cả năm,
  sau hè;
- an exemption of HK n: the close of HK n, cả năm, sau hè (one for the year: every close);
- the summer results (rèn luyện hè, kiểm tra lại): the close after the summer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from app.core.errors import ConflictError
from app.core.workflow import State
from app.gradebook import queries as gradebook_queries
from app.records import queries as records_queries
from app.records.services import KET_QUA_LOP

if TYPE_CHECKING:
    from app.school.models import SchoolClass, Subject, Term

PERIODS = ("hk1", "hk2", "cn", "he")
PERIOD_LABELS = {"hk1": "Học kỳ I", "hk2": "Học kỳ II", "cn": "cả năm", "he": "sau kỳ nghỉ hè"}
YEAR_AND_SUMMER = ("cn", "he")
CORRECTION_HINT = (
    "Muốn sửa, giáo viên chủ nhiệm lập “Đề nghị điều chỉnh” (trang Chủ nhiệm → Đề nghị điều chỉnh) "
    "ghi rõ lý do; hiệu trưởng phê duyệt thì mới thay đổi."
)


def periods_of_term(term_number: int | None) -> tuple[str, ...]:
    """The closes that freeze data of HK `term_number` (None: the whole year)."""
    if term_number is None:
        return PERIODS
    return (f"hk{term_number}", *YEAR_AND_SUMMER)


def term_number_of_day(school_class: SchoolClass, day: date) -> int:
    """The term a buổi nghỉ belongs to: HK I up to its last day, HK II after it."""
    hk1, _ = gradebook_queries.term_pair_of_year(school_class.year_id)
    return 1 if hk1 is None or day <= hk1.end_date else 2


def periods_of_day(school_class: SchoolClass, day: date) -> tuple[str, ...]:
    return periods_of_term(term_number_of_day(school_class, day))


def periods_of_view(view: str) -> tuple[str, ...]:
    """The closes freezing what a class book view edits: a term's rèn luyện and nhận xét
    ("1", "2"), or the year view's summer results ("year")."""
    return periods_of_term(int(view)) if view in ("1", "2") else ("he",)


def periods_of(term: Term | None) -> tuple[str, ...]:
    return periods_of_term(term.number if term is not None else None)


def close_states(class_id: int) -> dict[str, State]:
    """The state of each period's close of the class (draft when never submitted); one query."""
    keys = {period: records_queries.class_link_key(KET_QUA_LOP, class_id, period) for period in PERIODS}
    found = records_queries.states_by_link_keys(keys.values())
    return {period: State(found[key]) if key in found else State.DRAFT for period, key in keys.items()}


@dataclass(frozen=True)
class CloseLock:
    period: str | None  # the close that freezes the data (None: editable)
    state: State | None
    message: str = ""

    @property
    def locked(self) -> bool:
        return self.period is not None

    @property
    def approved(self) -> bool:
        return self.state is State.APPROVED


def lock_of(school_class: SchoolClass, periods: Sequence[str], states: dict[str, State] | None = None) -> CloseLock:
    """Whether a close among `periods` freezes the data (an approved one named first)."""
    states = states if states is not None else close_states(school_class.id)
    for wanted in (State.APPROVED, State.SUBMITTED):
        for period in periods:
            if states.get(period) is wanted:
                return CloseLock(period, wanted, _message(school_class, period, wanted))
    return CloseLock(None, None)


def _message(school_class: SchoolClass, period: str, state: State) -> str:
    what = f"Kết quả {PERIOD_LABELS[period]} của lớp {school_class.name}"
    if state is State.APPROVED:
        return f"{what} đã được hiệu trưởng duyệt và chốt nên không sửa trực tiếp được. {CORRECTION_HINT}"
    return (
        f"{what} đang chờ hiệu trưởng duyệt nên chỉ xem được. "
        "Nếu cần sửa, đề nghị hiệu trưởng trả lại hồ sơ chốt kết quả."
    )


class CloseLocked(ConflictError):
    """409: the data belongs to a period whose close is waiting for approval or approved."""

    def __init__(self, lock: CloseLock) -> None:
        super().__init__(lock.message)
        self.lock = lock


def ensure_open(school_class: SchoolClass, periods: Sequence[str]) -> None:
    lock = lock_of(school_class, periods)
    if lock.locked:
        raise CloseLocked(lock)


@dataclass(frozen=True)
class CorrectionTarget:
    """What one request changes: a field of one student, in a term, on a day or in a subject."""

    field: str
    student_id: int
    term: Term | None = None
    day: date | None = None
    subject: Subject | None = None

    def periods(self, school_class: SchoolClass) -> tuple[str, ...]:
        if self.field in ("summer_conduct", "retest"):
            return ("he",)
        if self.field == "attendance" and self.day is not None:
            return periods_of_day(school_class, self.day)
        return periods_of(self.term)

    def term_number(self, school_class: SchoolClass) -> int | None:
        if self.field in ("summer_conduct", "retest"):
            return None
        if self.field == "attendance" and self.day is not None:
            return term_number_of_day(school_class, self.day)
        return self.term.number if self.term is not None else None
