"""The homeroom summary of one class for a term or the year (read side, tt22 arithmetic).

Per student: every subject's ĐTBmhk / ĐTBmcn (or Đ/CĐ), kết quả học tập (computed, adjusted
and why), rèn luyện (per term as entered; year by R8), buổi nghỉ (R12), exemptions (R13),
and for the year danh hiệu (R9/R10) and the end-of-year decision (R11) with the summer
results. Missing grade books and missing results are listed, never guessed.
A fixed number of queries per page, whatever the class size.

The summary also keeps what it read (grade books, their review states and the shown terms' cells), so
app.results builds the close's snapshots from the very same values; `settings` lets it
recompute a closed period with the settings frozen at the close.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.gradebook import grid as grid_mod
from app.gradebook import locking, queries, tt22
from app.gradebook.models import GradeBook, column_key
from app.gradebook.services.settings import learning_settings
from app.gradebook.tt22 import CommentResult, LearningSettings, Level, SubjectResult
from app.gradebook.values import Column, comment_result, grid_columns, level_of, regular_count, shown
from app.homeroom import queries as hq
from app.homeroom.models import Conduct, HomeroomRemark, Retest, SummerConduct
from app.school.models import SchoolClass, Student, Subject, Term


@dataclass
class SubjectMark:
    subject: Subject
    text: str = ""
    result: SubjectResult | None = None
    retest: str = ""  # shown re-test result (year), kept beside the original


@dataclass
class StudentLine:
    index: int
    student: Student
    marks: list[SubjectMark]
    learning: tt22.LearningResult | None = None
    missing: list[str] = field(default_factory=list)
    conduct: Conduct | None = None  # term view: the editable row
    conduct_levels: tuple[Level | None, Level | None] = (None, None)
    conduct_year: Level | None = None
    remark: HomeroomRemark | None = None
    excused: int = 0
    unexcused: int = 0
    absence_warning: str | None = None
    exemptions: list[str] = field(default_factory=list)
    title: tt22.Title | None = None
    decision: tt22.EndOfYearDecision | None = None
    summer: SummerConduct | None = None
    retests: dict[int, Retest] = field(default_factory=dict)

    @property
    def absences(self) -> int:
        return self.excused + self.unexcused


@dataclass
class BookFlag:
    subject: Subject
    term: Term | None
    problem: str
    gradebook_id: int | None = None


@dataclass
class ClassSummary:
    school_class: SchoolClass
    period: str  # "1" | "2" | "year"
    terms: tuple[Term | None, Term | None]
    term: Term | None  # the term shown (None for the year)
    subjects: list[Subject]
    lines: list[StudentLine]
    flags: list[BookFlag]
    settings: LearningSettings = field(default_factory=LearningSettings)
    #: what was read: (subject id, term id) → grade book, its review state, and its cells
    books: dict[tuple[int, int], GradeBook] = field(default_factory=dict)
    reviews: dict[int, locking.ReviewState] = field(default_factory=dict)
    cells: dict[int, dict[tuple[int, str], Any]] = field(default_factory=dict)


def _subject_result(subject: Subject, text: str, value: Decimal | None) -> SubjectResult | None:
    if not text:
        return None
    if subject.is_comment:
        return SubjectResult.commented(subject.name, CommentResult(text))
    return SubjectResult.scored(subject.name, value)  # type: ignore[arg-type]


PERIODS = ("1", "2", "year")


def _shown_results(
    columns: Sequence[Column],
    cells: dict[tuple[int, str], Any],
    student_ids: Sequence[int],
    comment_subject: bool,
    strict: bool,
) -> dict[int, tuple[str, Decimal | None]]:
    """student → (shown result, ĐTBmhk) of one grade book (the grid's, without its R3 warning)."""
    results = grid_mod.term_results(columns, cells, student_ids, comment_subject, strict)
    return {sid: (text, value) for sid, (text, value, _) in results.items()}


def build(
    school_class: SchoolClass, period: str, settings: LearningSettings | None = None, *, with_summer: bool = True
) -> ClassSummary:
    """The summary of `period` ("1", "2", "year"); `with_summer=False` reads the year as it
    stood before the summer (no rèn luyện hè, no kiểm tra lại: the year close's values)."""
    hk1, hk2 = queries.term_pair_of_year(school_class.year_id)
    terms = [t for t in (hk1, hk2) if t is not None]
    term = {"1": hk1, "2": hk2}.get(period)
    students = queries.class_students(school_class.id)
    ids = [s.id for s in students]
    subjects = hq.class_subjects(school_class.id)
    books = {(b.subject_id, b.term_id): b for b in hq.class_gradebooks(school_class.id)}
    # a term's page needs that term's cells only (the year needs both)
    shown_terms = terms if period == "year" else [t for t in (term,) if t is not None]
    shown_ids = {t.id for t in shown_terms}
    by_book: dict[int, dict[tuple[int, str], Any]] = {}
    keys: dict[tuple[str, int], str] = {}  # (kind, idx) → column key: a class book reads thousands of cells
    for sc in hq.score_rows([b.id for b in books.values() if b.term_id in shown_ids]):
        gradebook_id, student_id, kind, idx = sc[0], sc[1], sc[2], sc[3]
        key = keys.get((kind, idx))
        if key is None:
            key = keys[(kind, idx)] = column_key(kind, idx)
        cells_of = by_book.get(gradebook_id)
        if cells_of is None:
            cells_of = by_book[gradebook_id] = {}
        cells_of[(student_id, key)] = sc
    flags: list[BookFlag] = []
    locked: dict[int, bool] = {}
    reviews = locking.review_states(list(books.values()))
    for subject in subjects:
        for t in shown_terms:
            gb = books.get((subject.id, t.id))
            if gb is None:
                flags.append(BookFlag(subject, t, "chưa mở sổ điểm"))
                continue
            lock = locking.lock_of(gb, t, reviews[gb.id])
            locked[gb.id] = lock.locked
            if lock.code is None:
                flags.append(BookFlag(subject, t, "chưa nộp / chưa khoá", gb.id))
    # per term, per subject: student → (shown, value)
    comment_subject = {subject.id: subject.is_comment for subject in subjects}
    term_marks: dict[tuple[int, int], dict[int, tuple[str, Decimal | None]]] = {}
    for subject in subjects:
        columns = grid_columns(regular_count(subject, school_class.grade_level))
        for t in shown_terms:
            gb = books.get((subject.id, t.id))
            cells = by_book.get(gb.id, {}) if gb else {}
            strict = bool(gb and locked.get(gb.id))
            term_marks[(subject.id, t.id)] = _shown_results(columns, cells, ids, comment_subject[subject.id], strict)
    conducts = hq.conducts_of(ids, [t.id for t in terms])
    remarks = hq.remarks_of(ids, [t.id for t in terms])
    absences = hq.absence_counts(ids, school_class.year_id)
    exemptions: dict[int, list[str]] = {}
    for e in queries.approved_exemptions(ids, school_class.year_id, term.id if term else None):
        exemptions.setdefault(e.student_id, []).append(
            f"{e.subject.name}: miễn phần thực hành ({e.term.name if e.term else 'cả năm'})"
        )
    summer: dict[int, SummerConduct] = {}
    retests: dict[tuple[int, int], Retest] = {}
    if period == "year" and with_summer:
        summer, retests = hq.summer_of(ids, school_class.year_id)
    settings = settings or learning_settings()
    lines = []
    incomplete_subjects: dict[int, int] = {}
    none: tuple[str, Decimal | None] = ("", None)
    no_marks: dict[int, tuple[str, Decimal | None]] = {}
    if period == "year":
        pairs = [
            (
                subject,
                term_marks.get((subject.id, hk1.id), no_marks) if hk1 else no_marks,
                term_marks.get((subject.id, hk2.id), no_marks) if hk2 else no_marks,
            )
            for subject in subjects
        ]
    else:
        shown_marks = [
            (subject, term_marks.get((subject.id, term.id), no_marks) if term is not None else no_marks)
            for subject in subjects
        ]
    # one SubjectResult per (subject, shown result): frozen, so the students who share a
    # result share it (its score is checked once, not once per student)
    result_of: dict[tuple[int, str, Decimal | None], SubjectResult | None] = {}
    for i, s in enumerate(students, start=1):
        line = StudentLine(i, s, [])
        sid = s.id
        marks: list[tuple[Subject, str, Decimal | None]] = []
        if period == "year":
            for subject, first_marks, second_marks in pairs:
                t1, t2 = first_marks.get(sid, none), second_marks.get(sid, none)
                is_comment = comment_subject[subject.id]
                text = grid_mod.year_result(t1[0], t1[1], t2[0], t2[1], is_comment)
                first, second = t1[1], t2[1]
                value = None
                if text and not is_comment and first is not None and second is not None:
                    value = tt22.year_average(first, second)
                marks.append((subject, text, value))
        else:
            for subject, of_term in shown_marks:
                text, value = of_term.get(sid, none)
                marks.append((subject, text, value))
        for subject, text, value in marks:
            known = (subject.id, text, value)
            if known in result_of:
                result = result_of[known]
            else:
                result = result_of[known] = _subject_result(subject, text, value)
            line.marks.append(SubjectMark(subject, text, result))
            if result is None:
                line.missing.append(subject.name)
                incomplete_subjects[subject.id] = incomplete_subjects.get(subject.id, 0) + 1
        results = [m.result for m in line.marks if m.result is not None]
        if results and not line.missing:
            line.learning = tt22.classify_learning(results, settings)
        levels = tuple(
            level_of(conducts[(s.id, t.id)].level) if (s.id, t.id) in conducts else None
            for t in (hk1, hk2)
            if t is not None
        )
        line.conduct_levels = (levels + (None, None))[:2]  # type: ignore[assignment]
        if all(line.conduct_levels):
            line.conduct_year = tt22.conduct_year(*line.conduct_levels)  # type: ignore[arg-type]
        if term is not None:
            line.conduct = conducts.get((s.id, term.id))
            line.remark = remarks.get((s.id, term.id))
        else:
            line.remark = remarks.get((s.id, hk2.id)) if hk2 else None
        line.excused, line.unexcused = absences.get(s.id, (0, 0))
        line.absence_warning = tt22.absence_warning(line.absences)
        line.exemptions = exemptions.get(s.id, [])
        if period == "year":
            _year_end(line, settings, summer.get(s.id), retests, school_class.grade_level)
        lines.append(line)
    for subject in subjects:
        if incomplete_subjects.get(subject.id):
            flags.append(BookFlag(subject, term, f"thiếu kết quả của {incomplete_subjects[subject.id]} học sinh"))
    return ClassSummary(
        school_class, period, (hk1, hk2), term, subjects, lines, flags, settings, books, reviews, by_book
    )


def _year_end(
    line: StudentLine,
    settings: LearningSettings,
    summer: SummerConduct | None,
    retests: dict[tuple[int, int], Retest],
    grade_level: int | None = None,
) -> None:
    if line.learning is None or line.conduct_year is None:
        return
    averages = [m.result.score for m in line.marks if m.result and m.result.score is not None]
    line.title = tt22.year_title(line.conduct_year, line.learning.final, averages)
    line.summer = summer
    subject_results = [m.result for m in line.marks if m.result is not None]
    due = {r.name for r in tt22.retest_subjects(subject_results)} if line.learning.final is Level.CHUA_DAT else set()
    given = []
    for m in line.marks:
        r = retests.get((line.student.id, m.subject.id))
        if r is None:
            continue
        line.retests[m.subject.id] = r
        m.retest = shown(r.value, r.comment)
        if m.subject.name not in due or not m.retest:
            continue
        commented = comment_result(r.comment)
        if m.subject.is_comment and commented is not None:
            given.append(SubjectResult.commented(m.subject.name, commented))
        elif not m.subject.is_comment and r.value is not None:
            given.append(SubjectResult.scored(m.subject.name, r.value))
    summer_level = level_of(summer.level) if summer and line.conduct_year is Level.CHUA_DAT else None
    line.decision = tt22.end_of_year(
        tt22.EndOfYearInput(
            subject_results,
            line.conduct_year,
            line.absences,
            summer_conduct=summer_level,
            retests=given,
            settings=settings,
            grade_level=grade_level,
        )
    )


def student_line(school_class: SchoolClass, period: str, student_id: int) -> StudentLine:
    """One student's line of the summary (the summer results and cells that answer a save)."""
    return line_of(build(school_class, period), student_id)


def line_of(data: ClassSummary, student_id: int) -> StudentLine:
    return next(line for line in data.lines if line.student.id == student_id)
