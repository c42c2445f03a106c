"""What a close freezes: the class document submitted for approval and, from it, one
snapshot payload per student (the read side and the pure building; services write).

`gather(cls, period)` reads the class once — the homeroom summary (every grade book, its
cells, rèn luyện, nhận xét, buổi nghỉ, exemptions, summer results, R6–R11 computed) plus
the subject teachers' nhận xét, the term's buổi nghỉ and the applied corrections — in a
fixed number of queries whatever the class size. `class_document()` is the file the GVCN
submits (its sha256 is what the hiệu trưởng's approval binds to, R15); at approval the
document is built again and must hash the same. `snapshot_payload()` is one student's
part with the header (school, year, class, names of that year, settings and rules
version) and the facts of the close.

Canonical JSON: sort_keys, separators (",", ":"), ensure_ascii=False, NFC strings,
decimals as strings ("7.7"), dates ISO — app.audit's canonical form. `verify()`
recomputes the hash of a stored snapshot.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.audit.services import canonical_json
from app.gradebook import grid as grid_mod
from app.gradebook import queries as gradebook_queries
from app.gradebook import tt22
from app.gradebook.services import settings as gradebook_settings
from app.gradebook.tt22 import AdjustmentReading, LearningResult, LearningSettings, Level
from app.gradebook.values import grid_columns, regular_count, shown
from app.homeroom import locking as homeroom_locking
from app.homeroom import queries as homeroom_queries
from app.homeroom import summary as summary_mod
from app.homeroom.summary import ClassSummary, StudentLine
from app.results import queries
from app.results.models import ResultSnapshot
from app.school.models import School, SchoolClass, Subject, Term

SCHEMA = 1
#: the keys of the header every payload starts with (kept as is by a later version)
HEADER_KEYS = (
    "schema", "kind", "period_ref", "period_label", "rules_version", "school", "year", "class", "names", "settings",
)  # fmt: skip
#: the homeroom summary's view of each period, and whether the summer results count
SUMMARY_VIEW = {"hk1": ("1", False), "hk2": ("2", False), "cn": ("year", False), "he": ("year", True)}


def canonical(payload: dict[str, Any]) -> str:
    return canonical_json(payload)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify(snapshot: ResultSnapshot) -> bool:
    """The stored payload hashes to the stored sha256 and is in canonical form."""
    return verify_text(snapshot.payload, snapshot.sha256)


def verify_text(payload: str, sha256: str) -> bool:
    try:
        again = canonical(json.loads(payload))
    except ValueError:
        return False
    return again == payload and digest(payload) == sha256


# ---------------------------------------------------------------------------- settings


def settings_facts(settings: LearningSettings) -> dict[str, Any]:
    return {
        "r7_reading": settings.adjustment_reading.value,
        "r7_counts_comment_subjects": settings.adjustment_counts_comment_subjects,
        "missed_test_rule": gradebook_settings.missed_test_rule(),
    }


def settings_of(header: dict[str, Any]) -> LearningSettings:
    """The R7 settings a snapshot was computed with (to recompute it after a correction)."""
    facts = header.get("settings") or {}
    try:
        reading = AdjustmentReading(facts.get("r7_reading"))
    except ValueError:
        reading = AdjustmentReading.ONE_STEP_ABOVE_COMPUTED
    return LearningSettings(reading, bool(facts.get("r7_counts_comment_subjects", True)))


# ---------------------------------------------------------------------------- reading a class


@dataclass
class ClassData:
    school_class: SchoolClass
    period: str
    summary: ClassSummary
    terms: list[Term]  # the terms the period covers
    absences: dict[int, tuple[int, int]]
    comments: dict[tuple[int, int], str]
    corrections: dict[int, dict[str, int]]  # student → {subject name: applied corrections}
    homeroom_corrections: dict[int, int]
    header: dict[str, Any]

    def line(self, student_id: int) -> StudentLine | None:
        return next((line for line in self.summary.lines if line.student.id == student_id), None)


def period_terms(summary: ClassSummary, period: str) -> list[Term]:
    hk1, hk2 = summary.terms
    chosen = {"hk1": [hk1], "hk2": [hk2]}.get(period, [hk1, hk2])
    return [t for t in chosen if t is not None]


def header_of(cls: SchoolClass, period: str, settings: LearningSettings) -> dict[str, Any]:
    school = queries.the_school()
    hk1, _ = gradebook_queries.term_pair_of_year(cls.year_id)
    # the hiệu trưởng who approves: at the end of HK I for its close, else at the year's end
    principal = queries.principal_for(cls.year, hk1.end_date if period == "hk1" and hk1 else None)
    gvcn = cls.homeroom_teacher
    return {
        "schema": SCHEMA,
        "kind": period,
        "period_ref": "",
        "period_label": queries.PERIOD_LABELS[period],
        "rules_version": tt22.RULES_VERSION,
        "school": _school_facts(school),
        "year": {"id": cls.year_id, "name": cls.year.name},
        "class": {"id": cls.id, "name": cls.name, "grade_level": cls.grade_level},
        "names": {"gvcn": gvcn.full_name if gvcn else None, "hieu_truong": principal.name if principal else None},
        "settings": settings_facts(settings),
    }


def _school_facts(school: School | None) -> dict[str, Any] | None:
    """What a document's header prints about the school (cơ quan chủ quản, the date line's place)."""
    if school is None:
        return None
    return {
        "name": school.name,
        "code": school.code,
        "level": school.level,
        "governing_body": school.governing_body or "",
        "place_name": school.place_name or school.district or school.province,
        "province": school.province,
    }


def gather(cls: SchoolClass, period: str, *, header: dict[str, Any] | None = None) -> ClassData:
    """Read the class for `period`; with the `header` of an earlier snapshot, recompute with
    the settings and names frozen in it (a correction after the close)."""
    view, with_summer = SUMMARY_VIEW[period]
    settings = settings_of(header) if header is not None else gradebook_settings.learning_settings()
    summary = summary_mod.build(cls, view, settings, with_summer=with_summer)
    terms = period_terms(summary, period)
    ids = [line.student.id for line in summary.lines]
    hk1 = summary.terms[0]
    if period == "hk1" and hk1 is not None:
        absences = homeroom_queries.absence_counts(ids, cls.year_id, until=hk1.end_date)
    elif period == "hk2" and hk1 is not None:
        absences = homeroom_queries.absence_counts(ids, cls.year_id, after=hk1.end_date)
    else:
        absences = homeroom_queries.absence_counts(ids, cls.year_id)
    books = [b.id for (subject_id, term_id), b in summary.books.items() if term_id in {t.id for t in terms}]
    names = {s.id: s.name for s in summary.subjects}
    corrections: dict[int, dict[str, int]] = {}
    for sid, subject_id, n in gradebook_queries.applied_corrections_of_class(cls.id, [t.id for t in terms]):
        name = names.get(subject_id, str(subject_id))
        corrections.setdefault(sid, {})[name] = corrections.get(sid, {}).get(name, 0) + n
    homeroom_counts: dict[int, int] = {}
    for c in homeroom_queries.applied_corrections(cls.id):
        target = homeroom_locking.CorrectionTarget(c.field, c.student_id, c.term, c.day, c.subject)
        if period in target.periods(cls):
            homeroom_counts[c.student_id] = homeroom_counts.get(c.student_id, 0) + 1
    return ClassData(
        cls,
        period,
        summary,
        terms,
        absences,
        gradebook_queries.comments_of_books(books),
        corrections,
        homeroom_counts,
        header if header is not None else header_of(cls, period, settings),
    )


# ---------------------------------------------------------------------------- building


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _label(level: Level | None) -> str | None:
    return level.label if level is not None else None


def _learning(result: LearningResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "computed": result.computed.label,
        "final": result.final.label,
        "adjusted": result.adjusted,
        "reason": result.reason,
        "causes": list(result.causes),
    }


def _term_entry(data: ClassData, subject: Subject, term: Term, student_id: int) -> dict[str, Any]:
    gb = data.summary.books.get((subject.id, term.id))
    columns = grid_columns(regular_count(subject, data.school_class.grade_level))
    cells = data.summary.cells.get(gb.id, {}) if gb else {}

    def cell(key: str) -> str | None:
        row = cells.get((student_id, key))
        return (shown(row.value, row.comment) if subject.is_comment else _dec(row.value)) if row else None

    text, value, _ = grid_mod.term_result(columns, cells, student_id, subject.is_comment, strict=gb is not None)
    return {
        "tx": [cell(c.key) for c in columns if c.kind == "tx"],
        "gk": cell("gk"),
        "ck": cell("ck"),
        "result": (text or None) if subject.is_comment else _dec(value),
        "comment": data.comments.get((gb.id, student_id), "") if gb else "",
    }


def _subjects(data: ClassData, line: StudentLine) -> list[dict[str, Any]]:
    out = []
    yearly = data.period in ("cn", "he")
    for mark in line.marks:
        subject = mark.subject
        entry: dict[str, Any] = {
            "code": subject.code,
            "name": subject.name,
            "assessment": "comment" if subject.is_comment else "score",
            "terms": {f"hk{t.number}": _term_entry(data, subject, t, line.student.id) for t in data.terms},
        }
        if yearly:
            result = mark.result
            year_value = None
            if result is not None:
                year_value = result.comment.value if result.comment is not None else _dec(result.score)
            entry["year"] = year_value
            retest = line.retests.get(subject.id) if mark.retest else None
            entry["retest"] = None
            if retest is not None:
                entry["retest"] = shown(None, retest.comment) if retest.comment else _dec(retest.value)
        out.append(entry)
    return out


def _decision(line: StudentLine) -> dict[str, Any] | None:
    d = line.decision
    if d is None:
        return None
    return {
        "outcome": d.label,
        "status": d.status.value,
        "reason": d.reason,
        "retest_subjects": list(d.retest_subjects),
        "conduct_year": d.conduct_year.label,
        "conduct_after_summer": _label(d.conduct_after_summer),
        "learning_after_retest": _learning(d.learning_after_retest),
    }


def student_body(data: ClassData, line: StudentLine) -> dict[str, Any]:
    """Every value a report prints about this student for the period."""
    s = line.student
    first, second = line.conduct_levels
    if data.period in ("hk1", "hk2"):
        conduct: dict[str, Any] = {data.period: _label(first if data.period == "hk1" else second)}
    else:
        conduct = {"hk1": _label(first), "hk2": _label(second), "year": _label(line.conduct_year)}
        if data.period == "he":
            conduct["summer"] = _label(line.decision.conduct_after_summer) if line.decision else None
    excused, unexcused = data.absences.get(s.id, (0, 0))
    fixes = data.corrections.get(s.id, {})
    body: dict[str, Any] = {
        "student": {
            "id": s.id,
            "code": s.student_code,
            "register_number": s.register_number or "",
            "full_name": s.full_name,
            "birth_date": s.birth_date,
            "gender": s.gender,
        },
        "subjects": _subjects(data, line),
        "learning": _learning(line.learning),
        "conduct": conduct,
        "absences": {"excused": excused, "unexcused": unexcused, "total": excused + unexcused},
        "remark": line.remark.text if line.remark else "",
        "exemptions": list(line.exemptions),
        "corrections": {"count": sum(fixes.values()), "subjects": sorted(fixes)},
        "homeroom_corrections": data.homeroom_corrections.get(s.id, 0),
    }
    if data.period in ("cn", "he"):
        body["title"] = line.title.label if line.title else None
        body["decision"] = _decision(line)
    return body


def class_document(data: ClassData) -> dict[str, Any]:
    """The file the GVCN submits: the header and every student's values, in class order."""
    return {**data.header, "students": [student_body(data, line) for line in data.summary.lines]}


def snapshot_payload(
    header: dict[str, Any], body: dict[str, Any], close: dict[str, Any], revision: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {**header, **body, "close": close, "revision": revision}


def corrections_line(body: dict[str, Any]) -> str:
    """R16's line of the học bạ: "Trong bảng này có sửa chữa ở … chỗ, thuộc các môn học …"."""
    fixes = body.get("corrections") or {}
    count, subjects = int(fixes.get("count") or 0), fixes.get("subjects") or []
    if not count:
        return "Trong bảng này không có chỗ nào sửa chữa."
    return f"Trong bảng này có sửa chữa ở {count} chỗ, thuộc các môn học {', '.join(subjects)}."
