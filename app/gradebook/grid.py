"""The grade grid as the page shows it: rows of cells and the TT22 averages (read side).

`load_grid(handle)` runs a fixed number of queries (class list, scores, comments,
exemptions, review state, and for HK II the HK I grade book) whatever the class size.
All arithmetic is tt22's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from app.gradebook import locking, queries, tt22
from app.gradebook.queries import GridHandle, RemarkCell, ScoreCell
from app.gradebook.tt22 import CommentResult
from app.gradebook.values import Column, comment_result, grid_columns, regular_count, shown
from app.school.models import Student


@dataclass
class Cell:
    column: Column
    score: ScoreCell | None

    @property
    def version(self) -> int:
        return self.score.version if self.score else 0

    @property
    def text(self) -> str:
        return shown(self.score.value, self.score.comment) if self.score else ""

    @property
    def blank(self) -> bool:
        return self.score is None or (self.score.value is None and self.score.comment is None)


@dataclass
class Averages:
    """The computed columns of one row (all a cell save sends back besides the cell)."""

    average: str = ""  # ĐTBmhk (or Đ/CĐ for comment subjects), "" until computable
    average_value: Decimal | None = None
    warning: str | None = None
    first_term: str = ""  # HK II grid: the HK I result
    year: str = ""  # HK II grid: ĐTBmcn (or the year comment)


@dataclass
class SavedRow(Averages):
    """A row's averages after a save, with the student's cells of this grade book as stored
    now (by column key): the cell's answer reads its value and version from here."""

    cells: dict[str, ScoreCell] = field(default_factory=dict)


@dataclass(kw_only=True)
class Row(Averages):
    index: int
    student: Student
    cells: list[Cell]
    comment: RemarkCell | None
    exempt: bool = False

    @property
    def comment_text(self) -> str:
        return self.comment.text if self.comment else ""

    @property
    def comment_version(self) -> int:
        return self.comment.version if self.comment else 0


@dataclass
class Grid:
    handle: GridHandle
    columns: list[Column]
    rows: list[Row]
    review: locking.ReviewState
    lock: locking.Lock
    expected_regular: int
    comment_subject: bool
    has_first_term: bool = False
    blanks: list[str] = field(default_factory=list)

    @property
    def editable_by_owner(self) -> bool:
        return not self.lock.locked

    def row_for(self, student_id: int) -> Row | None:
        return next((r for r in self.rows if r.student.id == student_id), None)

    @property
    def students(self) -> list[Student]:
        return [r.student for r in self.rows]


def index_scores(scores: Sequence[ScoreCell]) -> dict[tuple[int, str], ScoreCell]:
    return {(s.student_id, f"tx{s.idx}" if s.kind == "tx" else s.kind): s for s in scores}  # column_key, inlined


TermResult = tuple[str, Decimal | None, str | None]
NO_RESULT: TermResult = ("", None, None)


def term_result(
    columns: Sequence[Column],
    by_cell: dict[tuple[int, str], ScoreCell],
    student_id: int,
    comment_subject: bool,
    strict: bool = False,
) -> TermResult:
    """(shown result, ĐTBmhk value, R3 warning) of one student in one grade book."""
    return term_results(columns, by_cell, [student_id], comment_subject, strict)[student_id]


def term_results(
    columns: Sequence[Column],
    by_cell: Mapping[tuple[int, str], Any],
    student_ids: Sequence[int],
    comment_subject: bool,
    strict: bool = False,
) -> dict[int, TermResult]:
    """student → (shown result, ĐTBmhk value, R3 warning) in one grade book, from its cells
    by (student id, column key) — the grid's rows, a saved row, the class book and the
    close's snapshots all read them here.

    Score subjects: R3 once ĐĐGgk and ĐĐGck exist. Comment subjects: R5 — shown only when
    every assessment is entered (or always, when `strict`, where a blank means CĐ).
    """
    if comment_subject:
        return _comment_term_results([c.key for c in columns], by_cell, student_ids, strict)
    return _score_term_results(columns, by_cell, student_ids)


def _comment_term_results(
    keys: Sequence[str], by_cell: Mapping[tuple[int, str], Any], student_ids: Sequence[int], strict: bool
) -> dict[int, TermResult]:
    get = by_cell.get
    # R5 reads the cells' Đ/CĐ only: the few distinct combinations are worked out once
    of_codes: dict[tuple[str | None, ...], TermResult] = {}
    out: dict[int, TermResult] = {}
    for sid in student_ids:
        codes = tuple(getattr(get((sid, k)), "comment", None) for k in keys)
        result = of_codes.get(codes)
        if result is None:
            results = [comment_result(code) for code in codes]
            unfinished = not strict and any(r is None for r in results)
            shown_result = "" if unfinished else tt22.comment_term_result(results, len(keys)).value
            result = of_codes[codes] = (shown_result, None, None)
        out[sid] = result
    return out


def _score_term_results(
    columns: Sequence[Column], by_cell: Mapping[tuple[int, str], Any], student_ids: Sequence[int]
) -> dict[int, TermResult]:
    get = by_cell.get
    tx_keys = [c.key for c in columns if c.kind == "tx"]
    gk_key = next((c.key for c in columns if c.kind == "gk"), None)
    ck_key = next((c.key for c in columns if c.kind == "ck"), None)
    shown_of: dict[Decimal, str] = {}  # each distinct average formatted once
    out: dict[int, TermResult] = {}
    for sid in student_ids:
        gk = getattr(get((sid, gk_key)), "value", None) if gk_key else None
        ck = getattr(get((sid, ck_key)), "value", None) if ck_key else None
        if gk is None or ck is None:
            out[sid] = NO_RESULT  # tt22.term_average: nothing until ĐĐGgk and ĐĐGck exist
            continue
        tx = [v for v in (getattr(get((sid, k)), "value", None) for k in tx_keys) if v is not None]
        avg = tt22.term_average(tx, gk, ck)
        if avg is None:
            out[sid] = NO_RESULT
            continue
        text = shown_of.get(avg)
        if text is None:
            text = shown_of[avg] = tt22.format_score(avg)
        out[sid] = (text, avg, tt22.expected_tx_mismatch(len(tx), len(tx_keys)))
    return out


def year_result(
    first: str,
    first_value: Decimal | None,
    second: str,
    second_value: Decimal | None,
    comment_subject: bool,
) -> str:
    if comment_subject:
        return tt22.comment_year_result(CommentResult(second)).value if second else ""
    if first_value is None or second_value is None:
        return ""
    return tt22.format_score(tt22.year_average(first_value, second_value))


def load_grid(handle: GridHandle) -> Grid:
    cls, subject, term = handle.school_class, handle.subject, handle.term
    regular = regular_count(subject, cls.grade_level)
    columns = grid_columns(regular)
    students = queries.class_students(cls.id)
    first_book = handle.first_term_book_id
    ids = [handle.id] + ([first_book] if first_book else [])
    all_scores = queries.score_cells_of(ids)
    by_cell = index_scores([s for s in all_scores if s.gradebook_id == handle.id])
    first_cells = index_scores([s for s in all_scores if first_book and s.gradebook_id == first_book])
    comments = queries.comments_of(handle.id)
    exempt = queries.exempt_students(cls.id, cls.year_id, term.id, subject.id)
    review = locking.review_state(handle.gradebook)
    lock = locking.lock_of(handle.gradebook, term, review)
    student_ids = [s.id for s in students]
    results = term_results(columns, by_cell, student_ids, subject.is_comment)
    first_results = term_results(columns, first_cells, student_ids, subject.is_comment) if first_book else {}
    rows = []
    for i, s in enumerate(students, start=1):
        row = Row(
            index=i,
            student=s,
            cells=[Cell(c, by_cell.get((s.id, c.key))) for c in columns],
            comment=comments.get(s.id),
            exempt=s.id in exempt,
        )
        row.average, row.average_value, row.warning = results[s.id]
        if first_book is not None:
            row.first_term, first_value, _ = first_results[s.id]
            row.year = year_result(row.first_term, first_value, row.average, row.average_value, subject.is_comment)
        rows.append(row)
    return Grid(
        handle,
        columns,
        rows,
        review,
        lock,
        regular,
        subject.is_comment,
        has_first_term=term.number == 2,
        blanks=blank_cells(columns, students, by_cell),
    )


def row_after_save(handle: GridHandle, student_id: int) -> SavedRow:
    """The averages of one row after a cell save, and its cells as stored now (no class
    list: bounded for any class)."""
    cls, subject = handle.school_class, handle.subject
    columns = grid_columns(regular_count(subject, cls.grade_level))
    first_book = handle.first_term_book_id
    ids = [handle.id] + ([first_book] if first_book else [])
    mine = queries.score_cells_of(ids, student_id)
    by_cell = index_scores([s for s in mine if s.gradebook_id == handle.id])
    row = SavedRow(cells={key: cell for (_, key), cell in by_cell.items()})
    row.average, row.average_value, row.warning = term_result(columns, by_cell, student_id, subject.is_comment)
    if first_book is not None:
        first_cells = index_scores([s for s in mine if s.gradebook_id == first_book])
        row.first_term, first_value, _ = term_result(columns, first_cells, student_id, subject.is_comment)
        row.year = year_result(row.first_term, first_value, row.average, row.average_value, subject.is_comment)
    return row


def blank_cells(
    columns: Sequence[Column],
    students: Sequence[Student],
    scores: dict[tuple[int, str], ScoreCell],
) -> list[str]:
    """'Họ tên: TX2, GK' for each student with empty cells."""
    out = []
    for s in students:
        missing = [
            c.label
            for c in columns
            if (sc := scores.get((s.id, c.key))) is None or (sc.value is None and sc.comment is None)
        ]
        if missing:
            out.append(f"{s.full_name}: {', '.join(missing)}")
    return out
