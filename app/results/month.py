"""Monthly report points (báo cáo tháng, R19): what a class's month says, read and built
(the read side and the pure building; app.results.services writes).

The rules, decided here and tested in tests/results/test_month*.py:

- A month of the school year is a calendar month that overlaps the year's dates, clipped
  to them (September 2024 of a year starting 05/09/2024 runs from 05/09 to 30/09). It can
  be published on its last day or after it, never before.
- Which scores: a cell counts in month M when its date is on or before M's last day. Its
  date is the subject teacher's test date of its ĐĐGtx column when one is set
  (GradeBook.tx_dates), else the day (Asia/Ho_Chi_Minh) its history first gave it a value
  (score_history: the first row with a non-blank new value). A cell with no history at all
  (seeded data) counts from its last change (Score.updated_at) with its current value.
- Which value: the value the cell had at the end of M's last day (the last history row
  before local midnight) — a later change, a correction included, never alters a
  month's report: re-publishing the month gives the same value. A cell counted only
  through its test date (typed after the month's end) shows its value at publication
  (the latest history row). A cell blank at the month's end (cleared) is not shown.
- No averages: `result` is None for every term (the term has not produced them), no
  học tập, no rèn luyện (`conduct` {}), no danh hiệu. Teachers' term comments are not
  part of a month (`comment` "").
- Absences: the homeroom's buổi nghỉ of the month's days (có phép / không phép).
- Remark: the GVCN's note for the month (one per publication, ≤ 1000 characters, NFC),
  the same for every student of the class.

`gather(cls, month, note)` reads the class in a fixed number of queries whatever its size;
`student_body()` is one student's part; `class_document()` is what a BGH member approves
when the school requires it (its sha256 binds the approval); `comparable()` is the part of
a payload that decides whether a re-publication needs a new version for a student.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from app.core.errors import DomainError
from app.core.models import utcnow
from app.core.vn import LOCAL_TZ, format_date, nfc
from app.gradebook import queries as gradebook_queries
from app.gradebook.models import GradeBook
from app.gradebook.services import settings as gradebook_settings
from app.gradebook.values import Column, grid_columns, regular_count, shown
from app.homeroom import queries as homeroom_queries
from app.results import queries, snapshots
from app.school.models import SchoolClass, SchoolYear, Student, Subject, Term

NOTE_MAX = 1000
#: the keys of a payload that say how and when it went out, not what it says
OUTSIDE_KEYS = ("close", "revision")
_REF = re.compile(r"^(\d{4})-(\d{2})$")


class MonthError(DomainError):
    """422: the month cannot be published as asked; the message names it."""


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    first_day: date
    last_day: date

    @property
    def ref(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"Tháng {self.month}/{self.year}"

    @property
    def text(self) -> str:
        """Inside a sentence: "tháng 10/2024"."""
        return f"tháng {self.month}/{self.year}"

    @property
    def cutoff(self) -> datetime:
        """The end of the last day at school (local midnight), as aware UTC."""
        return datetime.combine(self.last_day + timedelta(days=1), time(0), LOCAL_TZ).astimezone(UTC)

    def facts(self, term: str | None) -> dict[str, Any]:
        return {"first_day": self.first_day.isoformat(), "last_day": self.last_day.isoformat(), "term": term}


def ref_text(ref: str) -> str:
    """ "2024-10" inside a sentence: "tháng 10/2024" (the ref as given when it is not a month)."""
    match = _REF.match(ref or "")
    return f"tháng {int(match.group(2))}/{match.group(1)}" if match else f"tháng “{(ref or '')[:20]}”"


def months_of_year(year: SchoolYear) -> list[Month]:
    """Every month of the school year, in order, clipped to its dates."""
    out = []
    y, m = year.start_date.year, year.start_date.month
    while (y, m) <= (year.end_date.year, year.end_date.month):
        first, last = date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
        out.append(Month(y, m, max(first, year.start_date), min(last, year.end_date)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_of(year: SchoolYear, ref: str, today: date) -> Month:
    """The month `ref` ("2024-10") of the school year, publishable today — or 422 naming it."""
    match = _REF.match(ref or "")
    if match is None:
        raise MonthError(f"“{(ref or '')[:20]}” không phải một tháng (cần dạng năm-tháng, ví dụ 2024-10).")
    y, m = int(match.group(1)), int(match.group(2))
    found = next((mo for mo in months_of_year(year) if (mo.year, mo.month) == (y, m)), None)
    if found is None:
        what = f"Tháng {m}/{y}" if 1 <= m <= 12 else f"“{ref}”"
        raise MonthError(
            f"{what} không thuộc năm học {year.name} "
            f"(từ {format_date(year.start_date)} đến {format_date(year.end_date)})."
        )
    if today < found.last_day:
        raise MonthError(
            f"{found.label} chưa kết thúc: báo cáo tháng công bố được từ ngày {format_date(found.last_day)}."
        )
    return found


def clean_note(note: str | None) -> str:
    text = nfc(note or "").strip()
    if len(text) > NOTE_MAX:
        raise MonthError(f"Nhận xét của tháng tối đa {NOTE_MAX} ký tự (đang có {len(text)}).")
    return text


# ---------------------------------------------------------------------------- which scores


@dataclass
class CellLife:
    """What the history says of one cell."""

    first_at: datetime | None = None  # the first time it was given a value
    at_cutoff: tuple[Decimal | None, str | None] = (None, None)  # its value at the month's end
    latest: tuple[Decimal | None, str | None] = (None, None)


def cell_lives(points: list[Any], cutoff: datetime) -> dict[tuple[int, int, str], CellLife]:
    """{(gradebook_id, student_id, column key): CellLife} from history rows, oldest first."""
    lives: dict[tuple[int, int, str], CellLife] = {}
    for gb_id, sid, kind, idx, value, comment, at in points:
        life = lives.setdefault((gb_id, sid, Column(kind, idx).key), CellLife())
        if life.first_at is None and (value is not None or comment is not None):
            life.first_at = at
        if at < cutoff:
            life.at_cutoff = (value, comment)
        life.latest = (value, comment)
    return lives


def local_day(moment: datetime) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).date()


def cell_in_month(life: CellLife, month: Month, test_date: date | None) -> tuple[Decimal | None, str | None]:
    """The (value, comment) the month shows for a cell, (None, None) when it shows nothing."""
    if life.first_at is None:
        return None, None
    day = test_date if test_date is not None else local_day(life.first_at)
    if day > month.last_day:
        return None, None
    if life.first_at < month.cutoff:
        return life.at_cutoff
    return life.latest  # counted through its test date, typed after the month's end


# ---------------------------------------------------------------------------- reading a class


@dataclass
class MonthData:
    school_class: SchoolClass
    month: Month
    note: str
    header: dict[str, Any]
    students: list[Student]
    subjects: list[Subject]
    terms: list[Term]
    term: str | None  # the term the month belongs to ("hk1")
    books: dict[tuple[int, int], GradeBook]
    cells: dict[tuple[int, int, str], tuple[Decimal | None, str | None]]  # (gb, student, column) → shown
    absences: dict[int, tuple[int, int]]
    counts: dict[int, int] = field(default_factory=dict)  # student → scores shown


def month_terms(terms: list[Term], month: Month) -> tuple[list[Term], str | None]:
    """The terms overlapping the month, and the one it belongs to (holding its last day,
    else the latest begun by then, else the first)."""
    overlapping = [t for t in terms if t.start_date <= month.last_day and t.end_date >= month.first_day]
    holding = next((t for t in terms if t.start_date <= month.last_day <= t.end_date), None)
    begun = [t for t in terms if t.start_date <= month.last_day]
    chosen = holding or (begun[-1] if begun else (terms[0] if terms else None))
    return overlapping, (f"hk{chosen.number}" if chosen else None)


def header_of(cls: SchoolClass, month: Month) -> dict[str, Any]:
    """The terms' header (snapshots.header_of) for a month: kind "month", its label, and the
    hiệu trưởng on the month's last day."""
    header = snapshots.header_of(cls, "hk1", gradebook_settings.learning_settings())
    principal = queries.principal_for(cls.year, month.last_day)
    return {
        **header,
        "kind": "month",
        "period_ref": month.ref,
        "period_label": month.label,
        "names": {**header["names"], "hieu_truong": principal.name if principal else None},
    }


def gather(cls: SchoolClass, month: Month, note: str) -> MonthData:
    """Read the class's month: a fixed number of queries whatever the class size."""
    hk1, hk2 = gradebook_queries.term_pair_of_year(cls.year_id)
    terms, term = month_terms([t for t in (hk1, hk2) if t is not None], month)
    term_ids = {t.id for t in terms}
    students = gradebook_queries.class_students(cls.id)
    subjects = homeroom_queries.class_subjects(cls.id)
    books = {(b.subject_id, b.term_id): b for b in homeroom_queries.class_gradebooks(cls.id) if b.term_id in term_ids}
    ids = [b.id for b in books.values()]
    lives = cell_lives(gradebook_queries.history_points(ids), month.cutoff)
    for sc in gradebook_queries.scores_of(ids):  # cells no history knows of (seeded data)
        key = (sc.gradebook_id, sc.student_id, sc.column)
        if key not in lives and (sc.value is not None or sc.comment is not None):
            lives[key] = CellLife(sc.updated_at, (sc.value, sc.comment), (sc.value, sc.comment))
    test_dates = {
        (b.id, f"tx{idx}"): date.fromisoformat(day) for b in books.values() for idx, day in (b.tx_dates or {}).items()
    }
    cells = {}
    for key, life in lives.items():
        shown_value = cell_in_month(life, month, test_dates.get((key[0], key[2])))
        if shown_value != (None, None):
            cells[key] = shown_value
    student_ids = [s.id for s in students]
    absences = homeroom_queries.absence_counts(
        student_ids, cls.year_id, after=month.first_day - timedelta(days=1), until=month.last_day
    )
    data = MonthData(cls, month, note, header_of(cls, month), students, subjects, terms, term, books, cells, absences)
    for sid, n in _counts(cells, set(student_ids)).items():
        data.counts[sid] = n
    return data


def _counts(cells: dict[tuple[int, int, str], Any], ids: set[int]) -> dict[int, int]:
    counts = dict.fromkeys(ids, 0)
    for _gb, sid, _col in cells:
        if sid in counts:
            counts[sid] += 1
    return counts


# ---------------------------------------------------------------------------- building


def _text(subject: Subject, cell: tuple[Decimal | None, str | None] | None) -> str | None:
    if cell is None:
        return None
    value, comment = cell
    if subject.is_comment:
        return shown(None, comment) if comment else None
    return None if value is None else str(value)


def _term_entry(data: MonthData, subject: Subject, term: Term, student_id: int) -> dict[str, Any]:
    gb = data.books.get((subject.id, term.id))
    columns = grid_columns(regular_count(subject, data.school_class.grade_level))

    def cell(key: str) -> str | None:
        return _text(subject, data.cells.get((gb.id, student_id, key))) if gb else None

    return {
        "tx": [cell(c.key) for c in columns if c.kind == "tx"],
        "gk": cell("gk"),
        "ck": cell("ck"),
        "result": None,  # no average before the term produces it (R19)
        "comment": "",
    }


def student_body(data: MonthData, student: Student) -> dict[str, Any]:
    """Every value the month's report prints about this student."""
    excused, unexcused = data.absences.get(student.id, (0, 0))
    return {
        "student": {
            "id": student.id,
            "code": student.student_code,
            "register_number": student.register_number or "",
            "full_name": student.full_name,
            "birth_date": student.birth_date,
            "gender": student.gender,
        },
        "month": data.month.facts(data.term),
        "subjects": [
            {
                "code": subject.code,
                "name": subject.name,
                "assessment": "comment" if subject.is_comment else "score",
                "terms": {f"hk{t.number}": _term_entry(data, subject, t, student.id) for t in data.terms},
            }
            for subject in data.subjects
        ],
        "learning": None,
        "conduct": {},
        "absences": {"excused": excused, "unexcused": unexcused, "total": excused + unexcused},
        "remark": data.note,
        "exemptions": [],
        "corrections": {"count": 0, "subjects": []},
        "homeroom_corrections": 0,
    }


def class_document(data: MonthData) -> dict[str, Any]:
    """What is published (and, when the school requires it, what a BGH member approves):
    the header, the month, the note and every student's values, in class order."""
    return {
        **data.header,
        "month": data.month.facts(data.term),
        "remark": data.note,
        "students": [student_body(data, s) for s in data.students],
    }


def document_sha256(document: dict[str, Any]) -> str:
    return snapshots.digest(snapshots.canonical(document))


def comparable(payload: dict[str, Any]) -> str:
    """The canonical text of what a payload says (without how and when it went out)."""
    return snapshots.canonical({k: v for k, v in payload.items() if k not in OUTSIDE_KEYS})


def close_facts(
    *, number: int, published_by: str, approved_by: str | None, record_id: int | None, document: str
) -> dict[str, Any]:
    """The payload's "close": who published the month and when (and who approved it)."""
    now = utcnow()
    return {
        "kind": "month",
        "publication": number,
        "published_by": published_by,
        "published_at": now,
        "approved_by": approved_by,
        "approved_at": now if approved_by else None,
        "record_id": record_id,
        "document_sha256": document,
    }


# ---------------------------------------------------------------------------- the class's months


@dataclass
class MonthRow:
    """One month of the class's list: its state and its latest round."""

    month: Month
    publishable: bool
    state: str  # "none" | "waiting" | "returned" | "published" | "future"
    label: str
    published: Any = None  # the latest published round
    pending: Any = None  # the latest round not published (waiting or returned)
    record: Any = None  # the pending round's records record


def month_rows(cls: SchoolClass, today: date) -> list[MonthRow]:
    """Every month of the class's year with its state (three queries)."""
    rounds = queries.month_rounds(cls.id)
    records = queries.month_records(rounds)
    out = []
    for month in months_of_year(cls.year):
        mine = [r for r in rounds if r.month == month.ref]
        published = next((r for r in reversed(mine) if r.published_at is not None), None)
        pending = mine[-1] if mine and mine[-1].published_at is None else None
        record = records.get(pending.record_id) if pending is not None and pending.record_id else None
        publishable = today >= month.last_day
        if record is not None and record.state == "submitted":
            state, label = "waiting", "chờ BGH duyệt"
        elif record is not None and record.state == "returned":
            state, label = "returned", "bị trả lại"
        elif published is not None:
            state, label = "published", f"đã công bố v{published.number}, {format_date(published.published_at)}"
        elif publishable:
            state, label = "none", "chưa công bố"
        else:
            state, label = "future", f"công bố được từ {format_date(month.last_day)}"
        if state in ("waiting", "returned") and published is not None:
            label += f" (đã công bố v{published.number}, {format_date(published.published_at)})"
        out.append(MonthRow(month, publishable, state, label, published, pending, record))
    return out


def default_month(rows: list[MonthRow]) -> Month | None:
    """The month a page opens on: the latest one that can be published."""
    ready = [r.month for r in rows if r.publishable]
    return ready[-1] if ready else (rows[0].month if rows else None)
