"""Reads of the class closes and their snapshots: the scoped loaders (a class whose results
the user may read, a closable period, a student of the class — anything else 404), the
close record of a (class, period), the school's list by close state, the snapshots.

The hiệu trưởng of a year and the delegation setting are the school's (`principal_of`,
`School.close_delegate_allowed`), read here through one function each.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date

from flask import url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.audit.registry import SubjectLink
from app.core.authz import not_found
from app.core.workflow import State
from app.extensions import db
from app.homeroom import queries as homeroom_queries
from app.records import queries as records_queries
from app.records.models import Record
from app.records.services import BAO_CAO_THANG, KET_QUA_LOP
from app.results import policy
from app.results.models import MonthPublication, ResultSnapshot, SnapshotSupersession
from app.school import queries as school_queries
from app.school.models import School, SchoolClass, SchoolYear, Student

#: the periods a class closes, in order, and how people call them
PERIODS = ("hk1", "hk2", "cn", "he")
PERIOD_LABELS = {"hk1": "Học kỳ I", "hk2": "Học kỳ II", "cn": "Cả năm", "he": "Sau kỳ nghỉ hè"}
#: the same inside a sentence ("kết quả học kỳ I", "kết quả cả năm")
PERIOD_TEXT = {"hk1": "học kỳ I", "hk2": "học kỳ II", "cn": "cả năm", "he": "sau kỳ nghỉ hè"}


# ---------------------------------------------------------------------------- the school's facts


def principal_for(year: SchoolYear, on_date: date | None = None) -> school_queries.Principal | None:
    """The hiệu trưởng of that school year (on `on_date`, else at the year's end) — the
    school's record of principals, the one answer every snapshot and document uses."""
    return school_queries.principal_of(year, on_date)


def delegation_allowed(school: School | None) -> bool:
    """Whether a phó hiệu trưởng may approve a class's close in the hiệu trưởng's place
    (the school's setting, off by default)."""
    return bool(school is not None and school.close_delegate_allowed)


def the_school() -> School | None:
    return school_queries.the_school()


# ---------------------------------------------------------------------------- scoped loaders


def close_class(user: User, class_id: int) -> SchoolClass:
    """A class whose results the user may read (its GVCN, BGH), or 404."""
    cls = db.session.get(SchoolClass, class_id)
    if cls is None or not policy.can_read_close(user, cls.homeroom_teacher_id):
        not_found("class", class_id)
    return cls


def closable_period(period: str) -> str:
    if period not in PERIODS:
        not_found("period", period)
    return period


def class_student(cls: SchoolClass, student_id: int) -> Student:
    return homeroom_queries.class_student(cls, student_id)


def close_record(cls: SchoolClass, period: str) -> Record | None:
    """The close of (class, period) in the records workflow (None: never submitted)."""
    return records_queries.linked_class_record(KET_QUA_LOP, cls.id, period)


def close_record_or_404(cls: SchoolClass, period: str) -> Record:
    record = close_record(cls, period)
    if record is None:
        not_found("close", f"{cls.id}:{period}")
    return record


def period_of(record: Record) -> str | None:
    """The period of a close record ("ket_qua_lop:<class>:<period>"), None for any other."""
    key = record.link_key or ""
    prefix = f"{KET_QUA_LOP}:"
    if not key.startswith(prefix):
        return None
    period = key.rsplit(":", 1)[-1]
    return period if period in PERIODS else None


def close_states(cls: SchoolClass) -> dict[str, State]:
    keys = {p: records_queries.class_link_key(KET_QUA_LOP, cls.id, p) for p in PERIODS}
    found = records_queries.states_by_link_keys(keys.values())
    return {p: State(found[key]) if key in found else State.DRAFT for p, key in keys.items()}


# ---------------------------------------------------------------------------- the school's list


#: the hiệu trưởng's groups, in order
CLOSE_GROUPS = {
    "incomplete": "Chưa đủ dữ liệu / chưa nộp",
    "waiting": "Chờ duyệt",
    "approved": "Đã duyệt",
    "revised": "Có điều chỉnh",
}


@dataclass
class ClassClose:
    school_class: SchoolClass
    record: Record | None
    group: str
    revisions: int = 0  # snapshots written after the close (new versions)

    @property
    def returned(self) -> bool:
        return self.record is not None and self.record.state == State.RETURNED.value


@dataclass
class SchoolCloses:
    period: str
    rows: list[ClassClose]
    counts: dict[str, int] = field(default_factory=dict)

    def group(self, key: str) -> list[ClassClose]:
        return [r for r in self.rows if r.group == key]


def school_closes(year: SchoolYear | None, period: str, classes: Sequence[SchoolClass] | None = None) -> SchoolCloses:
    """Every class of the year (or the given ones) by the state of its `period` close:
    three queries whatever the number of classes."""
    if classes is None:
        classes = school_queries.classes_of_year(year) if year else []
    ids = [c.id for c in classes]
    records = records_queries.linked_class_records(KET_QUA_LOP, ids, [period])
    revisions: dict[int, int] = {}
    if ids:
        rows = db.session.execute(
            select(ResultSnapshot.class_id, func.count())
            .where(ResultSnapshot.class_id.in_(ids), ResultSnapshot.period == period, ResultSnapshot.version > 1)
            .group_by(ResultSnapshot.class_id)
        )
        revisions = {class_id: n for class_id, n in rows}
    out = []
    for cls in classes:
        record = records.get(records_queries.class_link_key(KET_QUA_LOP, cls.id, period))
        state = record.state if record is not None else State.DRAFT.value
        if state == State.APPROVED.value:
            group = "revised" if revisions.get(cls.id) else "approved"
        elif state == State.SUBMITTED.value:
            group = "waiting"
        else:
            group = "incomplete"
        out.append(ClassClose(cls, record, group, revisions.get(cls.id, 0)))
    counts = {key: sum(1 for r in out if r.group == key) for key in CLOSE_GROUPS}
    return SchoolCloses(period, out, counts)


def closes_waiting_for(user: User) -> list[Record]:
    """Closes waiting for this user's decision (the home page's "Việc đang chờ bạn")."""
    return records_queries.review_queue(user, KET_QUA_LOP)


# ---------------------------------------------------------------------------- snapshots


def current_snapshots(class_id: int, period: str, student_ids: Sequence[int] | None = None) -> list[ResultSnapshot]:
    """The snapshots of (class, period) that nothing supersedes, one per student."""
    stmt = (
        select(ResultSnapshot)
        .outerjoin(SnapshotSupersession, SnapshotSupersession.snapshot_id == ResultSnapshot.id)
        .where(
            ResultSnapshot.class_id == class_id,
            ResultSnapshot.period == period,
            ResultSnapshot.period_ref == "",
            SnapshotSupersession.id.is_(None),
        )
        .order_by(ResultSnapshot.student_id)
    )
    if student_ids is not None:
        stmt = stmt.where(ResultSnapshot.student_id.in_(list(student_ids)))
    return list(db.session.scalars(stmt))


def snapshot_count(class_id: int, period: str) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(ResultSnapshot)
            .where(ResultSnapshot.class_id == class_id, ResultSnapshot.period == period)
        )
        or 0
    )


def snapshot_for(user: User, snapshot_id: int) -> ResultSnapshot:
    """A snapshot of a class whose results the user may read, or 404 (the audit timeline)."""
    snap = db.session.get(ResultSnapshot, snapshot_id)
    cls = db.session.get(SchoolClass, snap.class_id) if snap is not None else None
    if snap is None or cls is None or not policy.can_read_close(user, cls.homeroom_teacher_id):
        not_found("result_snapshot", snapshot_id)
    return snap


def snapshot_links(ids: Collection[int]) -> dict[int, SubjectLink]:
    """{snapshot id: SubjectLink} for the audit feed and digest (one query)."""
    stmt = (
        select(ResultSnapshot, Student.full_name, SchoolClass.name)
        .join(Student, Student.id == ResultSnapshot.student_id)
        .join(SchoolClass, SchoolClass.id == ResultSnapshot.class_id)
        .where(ResultSnapshot.id.in_(list(ids)))
    )
    return {
        snap.id: SubjectLink(
            f"Kết quả {_period_text(snap)} của {name} (lớp {class_name}), phiên bản {snap.version}",
            url_for("results.history", class_id=snap.class_id, student_id=snap.student_id),
        )
        for snap, name, class_name in db.session.execute(stmt)
    }


def _period_text(snap: ResultSnapshot) -> str:
    if snap.period == "month" and "-" in snap.period_ref:
        y, m = snap.period_ref.split("-", 1)
        return f"tháng {int(m)}/{y}"
    return PERIOD_TEXT.get(snap.period, snap.period)


def student_history(cls: SchoolClass, student_id: int) -> list[ResultSnapshot]:
    """Every snapshot of the student in the class, by period then version (newest first)."""
    stmt = (
        select(ResultSnapshot)
        .where(ResultSnapshot.class_id == cls.id, ResultSnapshot.student_id == student_id)
        .options(
            selectinload(ResultSnapshot.supersession).selectinload(SnapshotSupersession.superseded_by),
            selectinload(ResultSnapshot.created_by),
        )
    )
    order = {p: i for i, p in enumerate(PERIODS)}
    rows = list(db.session.scalars(stmt))
    return sorted(rows, key=lambda s: (order.get(s.period, 9), s.period_ref, -s.version))


# ---------------------------------------------------------------------------- monthly reports


def month_approval_required(school: School | None) -> bool:
    """Whether a BGH member approves a class's monthly report before it goes out (the
    school's setting "tháng cần BGH duyệt", off by default)."""
    return bool(school is not None and school.month_approval_required)


def month_key(ref: str, number: int) -> str:
    """The period part of a month round's records key: "2024-10.1"."""
    return f"{ref}.{int(number)}"


def month_rounds(class_id: int, ref: str | None = None) -> list[MonthPublication]:
    """The publication rounds of the class (of one month), oldest first."""
    stmt = select(MonthPublication).where(MonthPublication.class_id == class_id)
    if ref is not None:
        stmt = stmt.where(MonthPublication.month == ref)
    return list(db.session.scalars(stmt.order_by(MonthPublication.month, MonthPublication.number)))


def month_round_of_record(record: Record) -> MonthPublication | None:
    return db.session.scalar(select(MonthPublication).where(MonthPublication.record_id == record.id))


def month_round_for(user: User, round_id: int) -> MonthPublication:
    """A month round of a class whose results the user may read, or 404."""
    found = db.session.get(MonthPublication, round_id)
    cls = db.session.get(SchoolClass, found.class_id) if found is not None else None
    if found is None or cls is None or not policy.can_read_close(user, cls.homeroom_teacher_id):
        not_found("result_month", round_id)
    return found


def month_records(rounds: Sequence[MonthPublication]) -> dict[int, Record]:
    """{record id: record} of the rounds that went through the BGH (one query)."""
    ids = [r.record_id for r in rounds if r.record_id is not None]
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(select(Record).where(Record.id.in_(ids)))}


def current_month_snapshots(class_id: int, ref: str) -> list[ResultSnapshot]:
    """The month's snapshots of the class that nothing supersedes, one per student."""
    stmt = (
        select(ResultSnapshot)
        .outerjoin(SnapshotSupersession, SnapshotSupersession.snapshot_id == ResultSnapshot.id)
        .where(
            ResultSnapshot.class_id == class_id,
            ResultSnapshot.period == "month",
            ResultSnapshot.period_ref == ref,
            SnapshotSupersession.id.is_(None),
        )
        .order_by(ResultSnapshot.student_id)
    )
    return list(db.session.scalars(stmt))


def month_versions(class_id: int) -> dict[str, int]:
    """{month: the highest snapshot version of the class's month} (one query)."""
    rows = db.session.execute(
        select(ResultSnapshot.period_ref, func.max(ResultSnapshot.version))
        .where(ResultSnapshot.class_id == class_id, ResultSnapshot.period == "month")
        .group_by(ResultSnapshot.period_ref)
    )
    return {ref: n for ref, n in rows}


def months_waiting_for(user: User) -> list[tuple[Record, MonthPublication]]:
    """Monthly reports waiting for this user's approval (the home page's "Việc đang chờ bạn")."""
    waiting = records_queries.review_queue(user, BAO_CAO_THANG)
    if not waiting:
        return []
    rounds = {
        m.record_id: m
        for m in db.session.scalars(
            select(MonthPublication).where(MonthPublication.record_id.in_([r.id for r in waiting]))
        )
    }
    return [(r, rounds[r.id]) for r in waiting if r.id in rounds]


def month_links(ids: Collection[int]) -> dict[int, SubjectLink]:
    """{round id: SubjectLink} for the audit feed."""
    stmt = (
        select(MonthPublication, SchoolClass.name)
        .join(SchoolClass, SchoolClass.id == MonthPublication.class_id)
        .where(MonthPublication.id.in_(list(ids)))
    )
    out = {}
    for m, class_name in db.session.execute(stmt):
        y, mo = m.month.split("-")
        out[m.id] = SubjectLink(
            f"Báo cáo tháng {int(mo)}/{y} lớp {class_name} (lần {m.number})",
            url_for("results.months", class_id=m.class_id, month=m.month),
        )
    return out


def waiting_month_or_404(class_id: int, ref: str) -> tuple[MonthPublication, Record]:
    """The class's month round sent to the BGH and not published yet, with its record, or 404."""
    rounds = month_rounds(class_id, ref)
    pending = rounds[-1] if rounds and rounds[-1].published_at is None else None
    record = month_records([pending]).get(pending.record_id or 0) if pending is not None else None
    if pending is None or record is None:
        not_found("result_month", f"{class_id}:{ref}")
    return pending, record
