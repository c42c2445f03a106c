"""The documents a report prints, as frozen dataclasses built from snapshot payloads.

Pure: no database, no Flask. The issuing pipeline reads approved snapshots (their payload
dicts, app/results/snapshots.py) and calls `report_card`, `hoc_ba` or `class_book`; the
PDF builders in `app.reports.pdf` draw what these hold and nothing else.

Everything here is already print-ready text: every string NFC-normalised, decimals with a
decimal comma ("7,7"), dates dd/mm/yyyy, missing values blank or "—", never "None". A
báo liên lạc carries only the child's own results and no sensitive identity field (R19,
DESIGN.md §13): it has no slot for a số định danh, dân tộc or address, so none can leak.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from app.core.vn import to_local
from app.results.snapshots import corrections_line

DASH = "—"
TERM_KEYS = ("hk1", "hk2")
YEARLY = ("cn", "he")
#: what the documents call each period
PERIOD_NAMES = {"hk1": "Học kỳ I", "hk2": "Học kỳ II", "cn": "Cả năm", "he": "Sau kỳ nghỉ hè"}
GENDERS = {"nam": "Nam", "nu": "Nữ", "nữ": "Nữ"}


@dataclass(frozen=True)
class Stamp:
    """What the issuing pipeline adds to a document."""

    code: str  # short verification code, e.g. "7KQ4-M2XD"
    issued_at: datetime  # aware UTC; printed in Asia/Ho_Chi_Minh
    issued_by: str  # full name of the person issuing
    supersedes: str | None = None  # code of the document this one replaces
    verify_url: str | None = None  # printed as text and as a QR code when given
    #: the audit chain's head (seq, row hash) when the document was drawn — in the PDF's metadata
    audit_seq: int | None = None
    audit_hash: str | None = None


@dataclass(frozen=True)
class SchoolHeader:
    governing_body: str  # cơ quan chủ quản ("SỞ GIÁO DỤC VÀ ĐÀO TẠO …"), may be blank
    name: str
    place_name: str  # the date line's place ("Cầu Ngang")


@dataclass(frozen=True)
class TermMarks:
    """One subject in one term (or up to a month's end): every cell as printed."""

    tx: tuple[str, ...]
    gk: str
    ck: str
    result: str  # ĐTBmhk "7,7" or "Đ"/"CĐ"; blank for a month
    comment: str


@dataclass(frozen=True)
class SubjectRow:
    code: str
    name: str
    by_comment: bool  # assessed by Đ/CĐ
    hk1: TermMarks | None
    hk2: TermMarks | None
    year: str  # cả năm ("" outside a yearly payload)
    retest: str  # kiểm tra lại ("" when none)

    def term(self, key: str) -> TermMarks | None:
        return self.hk1 if key == "hk1" else self.hk2 if key == "hk2" else None

    @property
    def comment(self) -> str:
        """The teacher's comment of the latest term that has one."""
        for marks in (self.hk2, self.hk1):
            if marks is not None and marks.comment:
                return marks.comment
        return ""


@dataclass(frozen=True)
class Learning:
    final: str
    computed: str
    adjusted: bool
    reason: str  # why it was adjusted (R7), blank otherwise


@dataclass(frozen=True)
class Decision:
    outcome: str  # lên lớp / rèn luyện hè / kiểm tra lại / ở lại lớp / hoàn thành chương trình …
    status: str
    reason: str
    retest_subjects: tuple[str, ...]
    conduct_after_summer: str
    learning_after_retest: Learning | None


@dataclass(frozen=True)
class Results:
    """What one payload says about the student for its period (no identity beyond the name)."""

    kind: str  # hk1 / hk2 / cn / he / month
    period_label: str
    tx_count: int  # the widest ĐĐGtx row of the subjects
    subjects: tuple[SubjectRow, ...]
    learning: Learning | None
    conduct: tuple[tuple[str, str], ...]  # (hk1|hk2|year|summer, label) in that order
    absences: tuple[int, int, int]  # có phép, không phép, tổng
    remark: str
    exemptions: tuple[str, ...]
    title: str  # danh hiệu, blank when none
    decision: Decision | None
    corrections: str  # R16's line
    corrections_count: int

    @property
    def yearly(self) -> bool:
        return self.kind in YEARLY

    @property
    def terms(self) -> tuple[str, ...]:
        """The term keys the subjects hold (a term payload: its own; a year: both)."""
        return tuple(k for k in TERM_KEYS if any(s.term(k) is not None for s in self.subjects))

    def conduct_of(self, key: str) -> str:
        return next((label for k, label in self.conduct if k == key), "")


@dataclass(frozen=True)
class ReportCard:
    """Báo liên lạc: one child, one report point (a month, HK I, HK II, cả năm, sau hè)."""

    school: SchoolHeader
    year_name: str
    class_name: str
    full_name: str
    birth_date: str
    gender: str
    gvcn: str
    hieu_truong: str
    results: Results
    month_sentence: str  # "Kết quả đến hết tháng 10/2024 — chưa phải kết quả học kỳ" (a month only)

    @property
    def is_month(self) -> bool:
        return self.results.kind == "month"


@dataclass(frozen=True)
class Guardian:
    relation: str
    full_name: str
    occupation: str


@dataclass(frozen=True)
class SchoolingRow:
    """A row of the học bạ's "quá trình học tập" table."""

    year_name: str
    class_name: str
    school_name: str
    place: str
    principal: str


@dataclass(frozen=True)
class Identity:
    full_name: str
    gender: str
    birth_date: str
    birthplace: str
    ethnicity: str
    address: str
    register_number: str
    student_code: str
    moet_id: str
    guardians: tuple[Guardian, ...]
    schooling: tuple[SchoolingRow, ...]


@dataclass(frozen=True)
class HocBaYear:
    year_name: str
    class_name: str
    grade_level: int
    school_name: str
    place_name: str
    approved_on: date | None  # when the hiệu trưởng approved the year's close
    gvcn: str
    hieu_truong: str
    results: Results
    #: học tập of HK I and HK II when the payload carries them (a year payload holds the year's)
    term_learning: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class HocBa:
    school: SchoolHeader
    identity: Identity
    years: tuple[HocBaYear, ...]

    @property
    def level_title(self) -> str:
        """ "TRUNG HỌC CƠ SỞ" or "TRUNG HỌC PHỔ THÔNG" from the classes' khối."""
        grades = [y.grade_level for y in self.years if y.grade_level]
        if not grades:
            return ""
        return "TRUNG HỌC PHỔ THÔNG" if max(grades) >= 10 else "TRUNG HỌC CƠ SỞ"


@dataclass(frozen=True)
class ClassBookStudent:
    number: int  # STT (class order)
    full_name: str
    results: Results


@dataclass(frozen=True)
class ClassBook:
    """Sổ theo dõi và đánh giá học sinh (theo lớp) for a period: staff only."""

    school: SchoolHeader
    year_name: str
    class_name: str
    kind: str
    period_label: str
    gvcn: str
    hieu_truong: str
    subjects: tuple[tuple[str, str, bool, int], ...]  # (code, name, by_comment, ĐĐGtx count) in order
    students: tuple[ClassBookStudent, ...]

    @property
    def yearly(self) -> bool:
        return self.kind in YEARLY


# ---------------------------------------------------------------------------- text


def text(value: Any, missing: str = "") -> str:
    """A printable string (NFC, stripped): None or blank → `missing`, never "None"."""
    if value is None:
        return missing
    return unicodedata.normalize("NFC", str(value)).strip() or missing


def num(value: Any, missing: str = "") -> str:
    """A score as Vietnamese prints it: "7.7" → "7,7"; "Đ"/"CĐ" as is; None → `missing`."""
    if value is None:
        return missing
    return _score(value if isinstance(value, str) else str(value)) or missing


@lru_cache(maxsize=2048)
def _score(value: str) -> str:
    """`num` of a string: a học bạ prints ≈ 560 scores, most of them the same few values."""
    shown = unicodedata.normalize("NFC", value).strip()
    return shown.replace(".", ",") if _is_decimal(shown) else shown


def _is_decimal(s: str) -> bool:
    head, dot, tail = s.partition(".")
    return bool(dot) and head.lstrip("-").isdigit() and tail.isdigit()


def vn_date(value: Any) -> str:
    """ISO "2012-05-17" (or a date) → "17/05/2012"; blank when missing or unreadable."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return text(value)


def gender_label(value: Any) -> str:
    shown = text(value)
    return GENDERS.get(shown.lower(), shown)


def month_sentence(period_ref: str, period_label: str) -> str:
    """ "Kết quả đến hết tháng 10/2024 — chưa phải kết quả học kỳ"."""
    label = text(period_label)
    if label.lower().startswith("tháng "):
        month = "tháng " + label[6:].strip()
    else:
        year, _, number = text(period_ref).partition("-")
        month = f"tháng {int(number) if number.isdigit() else number}/{year}"
    return f"Kết quả đến hết {month} — chưa phải kết quả học kỳ"


# ---------------------------------------------------------------------------- payload → results


def _school(payload: dict[str, Any]) -> SchoolHeader:
    school = payload.get("school") or {}
    return SchoolHeader(
        governing_body=text(school.get("governing_body")),
        name=text(school.get("name")),
        place_name=text(school.get("place_name") or school.get("province")),
    )


def _marks(entry: dict[str, Any] | None, month: bool) -> TermMarks | None:
    if entry is None:
        return None
    return TermMarks(
        tx=tuple(num(v) for v in entry.get("tx") or ()),
        gk=num(entry.get("gk")),
        ck=num(entry.get("ck")),
        result="" if month else num(entry.get("result")),  # a month never prints an average
        comment=text(entry.get("comment")),
    )


def _subject(entry: dict[str, Any], month: bool) -> SubjectRow:
    terms = entry.get("terms") or {}
    return SubjectRow(
        code=text(entry.get("code")),
        name=text(entry.get("name"), DASH),
        by_comment=entry.get("assessment") == "comment",
        hk1=_marks(terms.get("hk1"), month),
        hk2=_marks(terms.get("hk2"), month),
        year="" if month else num(entry.get("year")),
        retest="" if month else num(entry.get("retest")),
    )


def _learning(value: dict[str, Any] | None) -> Learning | None:
    if not value:
        return None
    return Learning(
        final=text(value.get("final"), DASH),
        computed=text(value.get("computed"), DASH),
        adjusted=bool(value.get("adjusted")),
        reason=text(value.get("reason")),
    )


def _decision(value: dict[str, Any] | None) -> Decision | None:
    if not value:
        return None
    return Decision(
        outcome=text(value.get("outcome"), DASH),
        status=text(value.get("status")),
        reason=text(value.get("reason")),
        retest_subjects=tuple(text(s) for s in value.get("retest_subjects") or ()),
        conduct_after_summer=text(value.get("conduct_after_summer")),
        learning_after_retest=_learning(value.get("learning_after_retest")),
    )


def results_of(payload: dict[str, Any]) -> Results:
    """The student's results of one (NFC) payload."""
    kind = text(payload.get("kind"))
    month = kind == "month"
    subjects = tuple(_subject(s, month) for s in payload.get("subjects") or ())
    tx_count = max((len(m.tx) for s in subjects for m in (s.hk1, s.hk2) if m is not None), default=0)
    conduct_facts = payload.get("conduct") or {}
    conduct = tuple(
        (k, text(conduct_facts.get(k), DASH))
        for k in ("hk1", "hk2", "year", "summer")
        if k in conduct_facts and (k != "summer" or conduct_facts[k])  # rèn luyện hè only when held
    )
    absences = payload.get("absences") or {}
    excused, unexcused = int(absences.get("excused") or 0), int(absences.get("unexcused") or 0)
    fixes = payload.get("corrections") or {}
    return Results(
        kind=kind,
        period_label=text(payload.get("period_label")) or PERIOD_NAMES.get(kind, ""),
        tx_count=tx_count,
        subjects=subjects,
        learning=None if month else _learning(payload.get("learning")),
        conduct=() if month else conduct,
        absences=(excused, unexcused, int(absences.get("total") or excused + unexcused)),
        remark=text(payload.get("remark")),
        exemptions=tuple(text(e) for e in payload.get("exemptions") or ()),
        title=text(payload.get("title")),
        decision=None if month else _decision(payload.get("decision")),
        corrections=corrections_line(payload),
        corrections_count=int(fixes.get("count") or 0),
    )


# ---------------------------------------------------------------------------- the documents


def report_card(payload: dict[str, Any]) -> ReportCard:
    """Báo liên lạc from ONE snapshot payload (kind hk1/hk2/cn/he/month)."""
    p = payload
    student, names = p.get("student") or {}, p.get("names") or {}
    results = results_of(p)
    return ReportCard(
        school=_school(p),
        year_name=text((p.get("year") or {}).get("name"), DASH),
        class_name=text((p.get("class") or {}).get("name"), DASH),
        full_name=text(student.get("full_name"), DASH),
        birth_date=vn_date(student.get("birth_date")),
        gender=gender_label(student.get("gender")),
        gvcn=text(names.get("gvcn")),
        hieu_truong=text(names.get("hieu_truong")),
        results=results,
        month_sentence=month_sentence(text(p.get("period_ref")), results.period_label)
        if results.kind == "month"
        else "",
    )


def _identity(identity: dict[str, Any]) -> Identity:
    return Identity(
        full_name=text(identity.get("full_name"), DASH),
        gender=gender_label(identity.get("gender")),
        birth_date=vn_date(identity.get("birth_date")),
        birthplace=text(identity.get("birthplace")),
        ethnicity=text(identity.get("ethnicity")),
        address=text(identity.get("address")),
        register_number=text(identity.get("register_number")),
        student_code=text(identity.get("student_code")),
        moet_id=text(identity.get("moet_id")),
        guardians=tuple(
            Guardian(text(g.get("relation_label")), text(g.get("full_name")), text(g.get("occupation")))
            for g in identity.get("guardians") or ()
        ),
        schooling=tuple(
            SchoolingRow(
                text(r.get("year_name")),
                text(r.get("class_name")),
                text(r.get("school_name")),
                text(r.get("place")),
                text(r.get("principal")),
            )
            for r in identity.get("schooling") or ()
        ),
    )


def _day(value: Any) -> date | None:
    try:
        return to_local(datetime.fromisoformat(str(value))).date() if value else None
    except ValueError:
        return None


def _hoc_ba_year(p: dict[str, Any], school: SchoolHeader) -> HocBaYear:
    names, facts, cls = p.get("names") or {}, p.get("school") or {}, p.get("class") or {}
    by_term = p.get("learning_by_term") or {}  # optional: {"hk1": {final…}, "hk2": {…}}
    term_learning = tuple((k, text(by_term[k].get("final"), DASH)) for k in TERM_KEYS if by_term.get(k))
    return HocBaYear(
        year_name=text((p.get("year") or {}).get("name"), DASH),
        class_name=text(cls.get("name"), DASH),
        grade_level=int(cls.get("grade_level") or 0),
        school_name=text(facts.get("name")) or school.name,
        place_name=text(facts.get("place_name")) or school.place_name,
        approved_on=_day((p.get("close") or {}).get("approved_at")),
        gvcn=text(names.get("gvcn")),
        hieu_truong=text(names.get("hieu_truong")),
        results=results_of(p),
        term_learning=term_learning,
    )


def hoc_ba(identity: dict[str, Any], years: list[dict[str, Any]]) -> HocBa:
    """Học bạ: identity facts + one payload per school year (cả năm, or sau hè), oldest first."""
    ident = identity
    facts = ident.get("school") or {}
    school = SchoolHeader(
        governing_body=text(facts.get("governing_body")),
        name=text(facts.get("name")),
        place_name=text(facts.get("place_name") or facts.get("province")),
    )
    return HocBa(
        school=school,
        identity=_identity(ident),
        years=tuple(_hoc_ba_year(y, school) for y in years),
    )


def class_book(payloads: list[dict[str, Any]]) -> ClassBook:
    """Sổ theo dõi: every student's payload of one class and period, in class order."""
    ps = payloads
    first = ps[0] if ps else {}
    names = first.get("names") or {}
    students = tuple(
        ClassBookStudent(i, text((p.get("student") or {}).get("full_name"), DASH), results_of(p))
        for i, p in enumerate(ps, start=1)
    )
    subjects: dict[str, tuple[str, str, bool, int]] = {}
    for st in students:
        for s in st.results.subjects:
            width = max((len(m.tx) for m in (s.hk1, s.hk2) if m is not None), default=0)
            key = s.code or s.name
            known = subjects.get(key)
            subjects[key] = (key, s.name, s.by_comment, max(width, known[3] if known else 0))
    kind = text(first.get("kind"))
    return ClassBook(
        school=_school(first),
        year_name=text((first.get("year") or {}).get("name"), DASH),
        class_name=text((first.get("class") or {}).get("name"), DASH),
        kind=kind,
        period_label=text(first.get("period_label")) or PERIOD_NAMES.get(kind, ""),
        gvcn=text(names.get("gvcn")),
        hieu_truong=text(names.get("hieu_truong")),
        subjects=tuple(subjects.values()),
        students=students,
    )
