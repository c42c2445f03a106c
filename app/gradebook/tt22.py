"""Pure assessment rules of Thông tư 22/2021/TT-BGDĐT (THCS/THPT), DOMAIN.md section 4.

No Flask, no database, no float: every score is a ``Decimal`` with at most one decimal and
every comparison is exact.  Rules implemented here:

- R1  ``parse_score``, ``parse_comment``, ``format_score`` — input and display of scores/comments.
- R2  ``round1`` — one decimal, ROUND_HALF_UP.
- (Điều 6–7) ``regular_count`` — number of ĐĐGtx per term from the periods per year.
- R3  ``term_average`` (ĐTBmhk) and ``expected_tx_mismatch`` (warning, not an error).
- R4  ``year_average`` (ĐTBmcn) from the stored, rounded term averages.
- R5  ``comment_term_result``, ``comment_year_result`` — comment-only subjects.
- R6  ``learning_level`` — kết quả học tập Tốt / Khá / Đạt / Chưa đạt.
- R7  ``classify_learning`` — R6 plus the one-subject adjustment (``LearningSettings``).
- R8  ``conduct_year`` — year rèn luyện from the HK I × HK II matrix.
- R9/R10 ``year_title`` — Học sinh Xuất sắc / Học sinh Giỏi (end of year only; no term titles).
- R11 ``end_of_year`` — lên lớp / rèn luyện hè / kiểm tra lại / ở lại lớp; in the last
  khối of a level (9, 12) lên lớp reads "Hoàn thành chương trình THCS / THPT".
- R12 ``absence_warning``, ``absence_status`` — running count of buổi nghỉ.
- R13 ``EXEMPTABLE_SUBJECT_CODES`` — only the *practical part* of GDTC / GDQP-AN can be
  exempted; the subject is still assessed (on theory) and still counts in R6–R11, so nothing
  in this module removes a subject.

R7 reading.  "Caused by a single subject alone" is decided counterfactually: for each subject
in turn, replace only its result by one that cannot hold the student back (score 10,0,
comment Đ) and classify again with R6; the best level so obtained is the level the student
"would reach".  When that level is Tốt or Khá and at least two levels above the computed one,
the level is raised to the adjacent level — by default one step above the computed level
(``AdjustmentReading.ONE_STEP_ABOVE_COMPUTED``, the reading DOMAIN.md names as default); the
alternative ``ONE_BELOW_REACHABLE`` raises to the level just below the reachable one.  The
two readings differ only for "Tốt reachable, Chưa đạt computed" (Đạt vs Khá).
``adjustment_counts_comment_subjects`` (default True) lets a comment subject be that single
subject.  Both settings are school settings ([?] in DOMAIN.md).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Context, Decimal
from enum import Enum

MIN_SCORE = Decimal("0")
MAX_SCORE = Decimal("10")
_TENTH = Decimal("0.1")
_BEST_SCORE = Decimal("10.0")

ABSENCE_WARN_FROM = 30
ABSENCE_LIMIT = 45

#: the version of these rules recorded in every results snapshot (app.results): bump it
#: whenever a change here could change a computed result
RULES_VERSION = "tt22-2021.2"
#: the last khối of THCS and THPT: lên lớp there means completing the programme
FINAL_GRADES = {9: "THCS", 12: "THPT"}

#: R13: subjects whose practical part may be exempted (the subject itself never is).
EXEMPTABLE_SUBJECT_CODES: frozenset[str] = frozenset({"GDTC", "GDQP-AN"})


# --------------------------------------------------------------------------- R1, R2: values


class ScoreError(ValueError):
    """A score the user typed cannot be accepted; ``str(err)`` is a Vietnamese sentence."""


class CommentError(ValueError):
    """A comment result (Đ / CĐ) the user typed cannot be accepted."""


class CommentResult(Enum):
    DAT = "Đ"
    CHUA_DAT = "CĐ"

    @property
    def label(self) -> str:
        return "Đạt" if self is CommentResult.DAT else "Chưa đạt"


class Level(Enum):
    """Mức rèn luyện / học tập, ordered Chưa đạt < Đạt < Khá < Tốt."""

    CHUA_DAT = "Chưa đạt"
    DAT = "Đạt"
    KHA = "Khá"
    TOT = "Tốt"

    @property
    def label(self) -> str:
        return self.value

    @property
    def rank(self) -> int:
        return _LEVELS.index(self)

    def step(self, n: int) -> Level:
        """The level ``n`` steps higher (negative: lower), clamped to the scale."""
        return _LEVELS[max(0, min(len(_LEVELS) - 1, self.rank + n))]

    def __lt__(self, other: object) -> bool:
        return self.rank < other.rank if isinstance(other, Level) else NotImplemented

    def __le__(self, other: object) -> bool:
        return self.rank <= other.rank if isinstance(other, Level) else NotImplemented

    def __gt__(self, other: object) -> bool:
        return self.rank > other.rank if isinstance(other, Level) else NotImplemented

    def __ge__(self, other: object) -> bool:
        return self.rank >= other.rank if isinstance(other, Level) else NotImplemented


_LEVELS: tuple[Level, ...] = tuple(Level)

_ASCII_WS = " \t\n\r\f\v"
_SCORE_RE = re.compile(r"[0-9]{1,2}(?:[.,][0-9])?")
_NUMBER_RE = re.compile(r"(-?)[0-9]+(?:[.,]([0-9]+))?")
_MSG_DECIMALS = "Điểm chỉ có tối đa một chữ số thập phân, ví dụ 7,5."
_MSG_RANGE = "Điểm phải từ 0 đến 10."


def _shown(text: str) -> str:
    short = text if len(text) <= 20 else text[:20] + "…"
    return "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in short)


def parse_score(text: str) -> Decimal:
    """R1: "7", "7.5", "7,5" (surrounding ASCII whitespace allowed) → Decimal("7.5")."""
    stripped = text.strip(_ASCII_WS)
    if _SCORE_RE.fullmatch(stripped):
        value = Decimal(stripped.replace(",", "."))
        if value > MAX_SCORE:
            raise ScoreError(_MSG_RANGE)
        return value.quantize(_TENTH)
    number = _NUMBER_RE.fullmatch(stripped) if len(stripped) <= 30 else None
    if number is None:
        what = f"“{_shown(stripped)}”" if stripped else "Ô trống"
        raise ScoreError(f"{what} không phải là điểm hợp lệ; hãy nhập số từ 0 đến 10, ví dụ 7 hoặc 7,5.")
    if number.group(1) or Decimal(stripped.replace(",", ".")) > MAX_SCORE:
        raise ScoreError(_MSG_RANGE)
    if number.group(2) and len(number.group(2)) > 1:
        raise ScoreError(_MSG_DECIMALS)
    raise ScoreError(f"“{_shown(stripped)}” không phải là điểm hợp lệ; hãy bỏ các số 0 thừa ở đầu.")


_COMMENT_WORDS: dict[str, CommentResult] = {
    "đ": CommentResult.DAT,
    "đạt": CommentResult.DAT,
    "d": CommentResult.DAT,
    "cđ": CommentResult.CHUA_DAT,
    "chưa đạt": CommentResult.CHUA_DAT,
    "cd": CommentResult.CHUA_DAT,
}


def parse_comment(text: str) -> CommentResult:
    """R1 for comment subjects: Đ/đ/Đạt/D → Đ, CĐ/cđ/Chưa đạt/CD → CĐ (NFC, any case)."""
    key = " ".join(unicodedata.normalize("NFC", text).split()).lower()
    try:
        return _COMMENT_WORDS[key]
    except KeyError:
        raise CommentError(
            f"“{_shown(text.strip(_ASCII_WS))}” không phải là kết quả nhận xét hợp lệ; "
            "hãy nhập Đ (Đạt) hoặc CĐ (Chưa đạt)."
        ) from None


def round1(x: Decimal) -> Decimal:
    """R2: one decimal, half up (8,25 → 8,3). Never ``round()`` on floats."""
    return x.quantize(_TENTH, rounding=ROUND_HALF_UP)


def format_score(value: Decimal) -> str:
    """Display with a decimal comma and one decimal: 8.3 → "8,3", 10 → "10,0"."""
    return f"{round1(_as_decimal(value)):f}".replace(".", ",")


def _as_decimal(value: object) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"expected Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise ScoreError(_MSG_RANGE)
    return value


def check_score(value: Decimal) -> Decimal:
    """Raise unless ``value`` is a valid stored score: Decimal, 0 ≤ value ≤ 10, one decimal."""
    _as_decimal(value)
    if not MIN_SCORE <= value <= MAX_SCORE:
        raise ScoreError(_MSG_RANGE)
    if value != value.quantize(_TENTH):
        raise ScoreError(_MSG_DECIMALS)
    return value


#: far more precision than the inputs need: the quotient is exact before R2 (a context of
#: its own rather than a `localcontext()` per average: a class book works out hundreds)
_EXACT = Context(prec=50)


def _weighted_average(total: Decimal, weight: int) -> Decimal:
    return round1(_EXACT.divide(total, weight))


# --------------------------------------------------------------------------- R3, R4, R5


def regular_count(periods_per_year: int, comment_subject: bool) -> int:
    """Number of ĐĐGtx per term: ≤ 35 periods → 2, 36–70 → 3, > 70 → 4; comment subjects → 2."""
    if periods_per_year < 0:
        raise ValueError("Số tiết/năm không được âm.")
    if comment_subject or periods_per_year <= 35:
        return 2
    return 3 if periods_per_year <= 70 else 4


def term_average(tx: Sequence[Decimal], gk: Decimal | None, ck: Decimal | None) -> Decimal | None:
    """R3: ĐTBmhk = round1((ΣĐĐGtx + 2·ĐĐGgk + 3·ĐĐGck) / (nTX + 5)); None until complete."""
    if gk is None or ck is None or not tx:
        return None
    regular = sum((check_score(s) for s in tx), Decimal(0))
    total = regular + 2 * check_score(gk) + 3 * check_score(ck)
    return _weighted_average(total, len(tx) + 5)


def expected_tx_mismatch(tx_count: int, expected: int) -> str | None:
    """R3 warning (not an error) when the number of ĐĐGtx differs from the expected count."""
    if tx_count == expected:
        return None
    return f"Có {tx_count} điểm đánh giá thường xuyên, theo quy định cần {expected}."


def year_average(hk1: Decimal, hk2: Decimal) -> Decimal:
    """R4: ĐTBmcn = round1((ĐTBmhkI + 2·ĐTBmhkII) / 3) from the stored, rounded term values."""
    return _weighted_average(check_score(hk1) + 2 * check_score(hk2), 3)


def comment_term_result(assessments: Sequence[CommentResult | None], required: int) -> CommentResult:
    """R5: Đ only when all ``required`` assessments are present and all are Đ; else CĐ.

    ``assessments`` are the term's slots (None = not entered); ``required`` is the number due
    (2 ĐĐGtx + ĐĐGgk + ĐĐGck = 4).  A missing slot makes the result CĐ.
    """
    complete = len(assessments) >= required and all(a is not None for a in assessments)
    all_dat = all(a is CommentResult.DAT for a in assessments)
    return CommentResult.DAT if complete and all_dat else CommentResult.CHUA_DAT


def comment_year_result(hk2: CommentResult) -> CommentResult:
    """R5: the year result of a comment subject is its HK II result."""
    return hk2


# --------------------------------------------------------------------------- R6, R7: học tập


@dataclass(frozen=True)
class SubjectResult:
    """One subject's term or year result: a score (ĐTBmhk/ĐTBmcn) xor a comment (Đ/CĐ)."""

    name: str
    score: Decimal | None = None
    comment: CommentResult | None = None

    def __post_init__(self) -> None:
        if (self.score is None) == (self.comment is None):
            raise ValueError(f"Môn {self.name}: cần đúng một kết quả, điểm hoặc nhận xét.")
        if self.score is not None:
            check_score(self.score)

    @classmethod
    def scored(cls, name: str, score: Decimal) -> SubjectResult:
        return cls(name, score=score)

    @classmethod
    def commented(cls, name: str, comment: CommentResult) -> SubjectResult:
        return cls(name, comment=comment)

    @property
    def display(self) -> str:
        if self.comment is not None:
            return self.comment.value
        return format_score(self.score) if self.score is not None else ""

    def at_best(self) -> SubjectResult:
        """The same subject with a result that cannot hold anyone back (R7)."""
        if self.score is not None:
            return replace(self, score=_BEST_SCORE)
        return replace(self, comment=CommentResult.DAT)


class AdjustmentReading(Enum):
    ONE_STEP_ABOVE_COMPUTED = "one_step_above_computed"
    ONE_BELOW_REACHABLE = "one_below_reachable"


@dataclass(frozen=True)
class LearningSettings:
    adjustment_reading: AdjustmentReading = AdjustmentReading.ONE_STEP_ABOVE_COMPUTED
    adjustment_counts_comment_subjects: bool = True


@dataclass(frozen=True)
class LearningResult:
    computed: Level  # R6 as computed
    final: Level  # after R7
    adjusted: bool
    reason: str  # Vietnamese explanation of the adjustment; "" when not adjusted
    causes: tuple[str, ...] = ()  # the subject(s) named by the adjustment


_MIN_SUBJECTS = 6
_T_TOT, _T_GOOD, _T_PASS, _T_FLOOR = Decimal("8.0"), Decimal("6.5"), Decimal("5.0"), Decimal("3.5")


def learning_level(subjects: Sequence[SubjectResult]) -> Level:
    """R6 (Điều 9 khoản 2); thresholds inclusive, "dưới 3,5" strict."""
    scores = [s.score for s in subjects if s.score is not None]
    fails = sum(1 for s in subjects if s.comment is CommentResult.CHUA_DAT)
    return _level(scores, fails)


def _level(scores: Sequence[Decimal], fails: int) -> Level:
    """R6 from the subjects' scores and their number of comment subjects Chưa đạt."""

    def at_least(t: Decimal) -> int:
        return sum(1 for x in scores if x >= t)

    lowest = min(scores) if scores else None  # "every score ≥ t" is "the lowest ≥ t"
    if fails == 0 and (lowest is None or lowest >= _T_GOOD) and at_least(_T_TOT) >= _MIN_SUBJECTS:
        return Level.TOT
    if fails == 0 and (lowest is None or lowest >= _T_PASS) and at_least(_T_GOOD) >= _MIN_SUBJECTS:
        return Level.KHA
    if fails <= 1 and at_least(_T_PASS) >= _MIN_SUBJECTS and (lowest is None or lowest >= _T_FLOOR):
        return Level.DAT
    return Level.CHUA_DAT


def _reachable(
    subjects: Sequence[SubjectResult], computed: Level, settings: LearningSettings
) -> tuple[Level, tuple[SubjectResult, ...]]:
    """Best R6 level obtained by lifting one subject alone, and the subject(s) that do it.

    Lifting is `SubjectResult.at_best()` classified again by R6: a score becomes 10,0 (the
    other scores and the comment subjects unchanged), a comment becomes Đ (one Chưa đạt
    fewer when it was one) — worked out on the scores and the count of Chưa đạt directly."""
    scores = [s.score for s in subjects if s.score is not None]
    fails = sum(1 for s in subjects if s.comment is CommentResult.CHUA_DAT)
    best, causes = computed, []
    position = 0  # the subject's place among the scores
    for subject in subjects:
        if subject.score is not None:
            level = _level([*scores[:position], _BEST_SCORE, *scores[position + 1 :]], fails)
            position += 1
        elif subject.comment is not None and not settings.adjustment_counts_comment_subjects:
            continue
        else:
            level = _level(scores, fails - (subject.comment is CommentResult.CHUA_DAT))
        if level > best:
            best, causes = level, [subject]
        elif level == best and level > computed:
            causes.append(subject)
    return best, tuple(causes)


def classify_learning(
    subjects: Sequence[SubjectResult], settings: LearningSettings = LearningSettings()
) -> LearningResult:
    """R6 then R7 (see the module docstring for how the single subject is determined)."""
    computed = learning_level(subjects)
    if computed >= Level.KHA:  # nothing can be two levels above Khá: no lifting to try
        return LearningResult(computed, computed, False, "")
    reachable, causes = _reachable(subjects, computed, settings)
    if reachable not in (Level.TOT, Level.KHA) or reachable.rank - computed.rank < 2:
        return LearningResult(computed, computed, False, "")
    if settings.adjustment_reading is AdjustmentReading.ONE_BELOW_REACHABLE:
        final = reachable.step(-1)
    else:
        final = computed.step(1)
    named = ", ".join(f"{s.name} ({s.display})" for s in causes)
    reason = (
        f"Mức {computed.label} thấp hơn mức {reachable.label} từ hai mức trở lên chỉ do "
        f"môn {named}; được điều chỉnh lên mức {final.label} (Thông tư 22, Điều 9 khoản 3)."
    )
    return LearningResult(computed, final, True, reason, tuple(s.name for s in causes))


# --------------------------------------------------------------------------- R8, R9/R10

_T, _K, _D, _C = Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT
# Rows HK II, columns HK I (Tốt, Khá, Đạt, Chưa đạt), exactly as DOMAIN.md R8.
_CONDUCT_MATRIX: dict[Level, tuple[Level, Level, Level, Level]] = {
    _T: (_T, _T, _K, _K),
    _K: (_K, _K, _K, _D),
    _D: (_K, _D, _D, _D),
    _C: (_C, _C, _C, _C),
}
_CONDUCT_COLUMNS = (_T, _K, _D, _C)


def conduct_year(hk1: Level, hk2: Level) -> Level:
    """R8: year rèn luyện from HK I and HK II."""
    return _CONDUCT_MATRIX[hk2][_CONDUCT_COLUMNS.index(hk1)]


class Title(Enum):
    XUAT_SAC = "Học sinh Xuất sắc"
    GIOI = "Học sinh Giỏi"

    @property
    def label(self) -> str:
        return self.value


_T_EXCELLENT = Decimal("9.0")


def year_title(conduct: Level, learning: Level, scored_year_averages: Sequence[Decimal]) -> Title | None:
    """R9/R10, end of year only: Tốt + Tốt (+ ≥ 6 scored ĐTBmcn ≥ 9,0 for Xuất sắc)."""
    if conduct is not Level.TOT or learning is not Level.TOT:
        return None
    excellent = sum(1 for x in scored_year_averages if check_score(x) >= _T_EXCELLENT)
    return Title.XUAT_SAC if excellent >= _MIN_SUBJECTS else Title.GIOI


# --------------------------------------------------------------------------- R12


class AbsenceStatus(Enum):
    OK = "ok"
    WARNING = "warning"
    EXCEEDED = "exceeded"


def absence_status(count: int) -> AbsenceStatus:
    """R12: warning from 30 buổi, exceeded above 45."""
    if count < 0:
        raise ValueError("Số buổi nghỉ không được âm.")
    if count > ABSENCE_LIMIT:
        return AbsenceStatus.EXCEEDED
    return AbsenceStatus.WARNING if count >= ABSENCE_WARN_FROM else AbsenceStatus.OK


def absence_warning(count: int) -> str | None:
    """R12: the GVCN's warning text for a running count of buổi nghỉ, or None."""
    status = absence_status(count)
    if status is AbsenceStatus.EXCEEDED:
        return f"Đã nghỉ {count} buổi, quá {ABSENCE_LIMIT} buổi: học sinh không được lên lớp."
    if status is AbsenceStatus.WARNING:
        limit = ABSENCE_LIMIT
        return f"Đã nghỉ {count}/{limit} buổi; nghỉ quá {limit} buổi sẽ phải ở lại lớp."
    return None


# --------------------------------------------------------------------------- R11


class Outcome(Enum):
    LEN_LOP = "Được lên lớp"
    HOAN_THANH_THCS = "Hoàn thành chương trình THCS"
    HOAN_THANH_THPT = "Hoàn thành chương trình THPT"
    REN_LUYEN_HE = "Rèn luyện trong kỳ nghỉ hè"
    KIEM_TRA_LAI = "Kiểm tra lại"
    O_LAI_LOP = "Ở lại lớp"
    HIEU_TRUONG_XET = "Hiệu trưởng xem xét, quyết định"

    @property
    def passes(self) -> bool:
        """Lên lớp, or (khối 9 / 12) completing the programme."""
        return self in (Outcome.LEN_LOP, Outcome.HOAN_THANH_THCS, Outcome.HOAN_THANH_THPT)


class DecisionStatus(Enum):
    FINAL = "final"
    PENDING_SUMMER = "pending_summer"
    PENDING_RETEST = "pending_retest"
    NEEDS_PRINCIPAL_DECISION = "needs_principal_decision"


@dataclass(frozen=True)
class EndOfYearInput:
    subjects: Sequence[SubjectResult]  # year results: ĐTBmcn or the year comment
    conduct: Level  # year rèn luyện (R8)
    absences: int  # buổi, excused and unexcused
    summer_conduct: Level | None = None  # result of rèn luyện trong hè, once known
    retests: Sequence[SubjectResult] = ()  # re-test results, matched to subjects by name
    has_disability: bool = False
    settings: LearningSettings = LearningSettings()
    grade_level: int | None = None  # khối 9 / 12: lên lớp = hoàn thành chương trình


@dataclass(frozen=True)
class Replacement:
    """A re-test subject: the original year result and its replacement, side by side."""

    name: str
    original: SubjectResult
    retest: SubjectResult | None  # None until the re-test result is entered


@dataclass(frozen=True)
class EndOfYearDecision:
    """R11 result.  Original values are never overwritten: ``conduct_year`` and
    ``conduct_after_summer``, ``learning_year`` and ``learning_after_retest``, and each
    re-test's original and replacement stay side by side.  While the summer training is
    pending, ``retest_subjects`` already lists the subjects to re-test should it succeed.
    """

    outcome: Outcome
    status: DecisionStatus
    reason: str
    conduct_year: Level
    conduct_after_summer: Level | None
    learning_year: LearningResult
    learning_after_retest: LearningResult | None
    retest_subjects: tuple[str, ...]  # subjects that must be (or were) re-tested
    retests: tuple[Replacement, ...]

    @property
    def label(self) -> str:
        return self.outcome.value

    @property
    def conduct(self) -> Level:
        """The rèn luyện that counts: the summer result replaces the year one when present."""
        return self.conduct_after_summer or self.conduct_year

    @property
    def learning(self) -> Level:
        """The học tập that counts: after re-tests when they are complete."""
        return (self.learning_after_retest or self.learning_year).final


def retest_subjects(subjects: Sequence[SubjectResult]) -> tuple[SubjectResult, ...]:
    """R11 (3): every comment subject CĐ and every scored subject with ĐTBmcn < 5,0."""
    return tuple(
        s for s in subjects if s.comment is CommentResult.CHUA_DAT or (s.score is not None and s.score < _T_PASS)
    )


def _replacements(inp: EndOfYearInput, due: tuple[SubjectResult, ...]) -> tuple[Replacement, ...]:
    given = {r.name: r for r in inp.retests}
    if len(given) != len(inp.retests):
        raise ValueError("Mỗi môn chỉ có một kết quả kiểm tra lại.")
    unknown = set(given) - {s.name for s in due}
    if unknown:
        raise ValueError(f"Môn không thuộc diện kiểm tra lại: {', '.join(sorted(unknown))}.")
    for s in due:
        r = given.get(s.name)
        if r is not None and (r.score is None) != (s.score is None):
            raise ValueError(f"Môn {s.name}: kết quả kiểm tra lại phải cùng loại với kết quả cả năm.")
    return tuple(Replacement(s.name, s, given.get(s.name)) for s in due)


def end_of_year(inp: EndOfYearInput) -> EndOfYearDecision:
    """R11 in order: disability → absences → rèn luyện (hè) → học tập (kiểm tra lại) → lên lớp.

    The steps are sequential as DOMAIN.md lists them: a student with both rèn luyện and học
    tập Chưa đạt first trains in the summer; if that reaches Đạt, the re-tests follow.
    Re-test results replace the year results of exactly the subjects due (every CĐ comment
    subject and every ĐTBmcn < 5,0), then R6–R7 classify again. In khối 9 (12) the
    student who would go up completes the THCS (THPT) programme instead; the conditions
    are those of lên lớp.
    """
    if inp.absences < 0:
        raise ValueError("Số buổi nghỉ không được âm.")
    if len({s.name for s in inp.subjects}) != len(inp.subjects):
        raise ValueError("Tên môn học bị trùng.")
    if inp.summer_conduct is not None and inp.conduct is not Level.CHUA_DAT:
        raise ValueError("Chỉ học sinh rèn luyện cả năm Chưa đạt mới rèn luyện trong kỳ nghỉ hè.")
    learning = classify_learning(inp.subjects, inp.settings)
    due = retest_subjects(inp.subjects) if learning.final is Level.CHUA_DAT else ()
    records = _replacements(inp, due)

    def decide(
        outcome: Outcome, status: DecisionStatus, reason: str, after: LearningResult | None = None
    ) -> EndOfYearDecision:
        if outcome is Outcome.LEN_LOP and inp.grade_level in FINAL_GRADES:
            outcome = Outcome.HOAN_THANH_THCS if FINAL_GRADES[inp.grade_level] == "THCS" else Outcome.HOAN_THANH_THPT
        return EndOfYearDecision(
            outcome, status, reason, inp.conduct, inp.summer_conduct, learning, after,
            tuple(s.name for s in due), records,
        )  # fmt: skip

    if inp.has_disability:
        return decide(
            Outcome.HIEU_TRUONG_XET, DecisionStatus.NEEDS_PRINCIPAL_DECISION,
            "Học sinh khuyết tật: hiệu trưởng xem xét, quyết định việc lên lớp.",
        )  # fmt: skip
    if inp.absences > ABSENCE_LIMIT:
        reason = f"Nghỉ {inp.absences} buổi, quá {ABSENCE_LIMIT} buổi trong năm học."
        return decide(Outcome.O_LAI_LOP, DecisionStatus.FINAL, reason)
    if inp.conduct is Level.CHUA_DAT:
        if inp.summer_conduct is None:
            reason = "Rèn luyện cả năm Chưa đạt: rèn luyện trong kỳ nghỉ hè."
            return decide(Outcome.REN_LUYEN_HE, DecisionStatus.PENDING_SUMMER, reason)
        if inp.summer_conduct is Level.CHUA_DAT:
            reason = "Sau rèn luyện trong kỳ nghỉ hè, rèn luyện vẫn Chưa đạt."
            return decide(Outcome.O_LAI_LOP, DecisionStatus.FINAL, reason)
    if learning.final >= Level.DAT:
        return decide(Outcome.LEN_LOP, DecisionStatus.FINAL, "Rèn luyện và học tập từ Đạt trở lên.")
    if not due:  # Chưa đạt only for lack of six scored subjects: nothing can be re-tested
        reason = "Học tập cả năm Chưa đạt và không có môn nào thuộc diện kiểm tra lại."
        return decide(Outcome.O_LAI_LOP, DecisionStatus.FINAL, reason)
    names = ", ".join(s.name for s in due)
    if any(r.retest is None for r in records):
        reason = f"Học tập cả năm Chưa đạt: kiểm tra lại môn {names}."
        return decide(Outcome.KIEM_TRA_LAI, DecisionStatus.PENDING_RETEST, reason)
    retested = {r.name: r.retest for r in records}
    after = classify_learning([retested.get(s.name) or s for s in inp.subjects], inp.settings)
    if after.final >= Level.DAT:
        reason = f"Sau kiểm tra lại môn {names}, học tập đạt mức {after.final.label}."
        return decide(Outcome.LEN_LOP, DecisionStatus.FINAL, reason, after)
    reason = f"Sau kiểm tra lại môn {names}, học tập vẫn Chưa đạt."
    return decide(Outcome.O_LAI_LOP, DecisionStatus.FINAL, reason, after)
