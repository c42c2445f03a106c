"""Reads of the reports domain: the scoped loaders (a class whose documents the user may
issue, a student of it, an issued document, a job — anything else 404), the periods a
class can be printed for (approved, current snapshots only), the snapshots a document is
drawn from, and what the pages list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import CompoundSelect, Integer, bindparam, exists, literal_column, null, select
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import User
from app.core import files
from app.core import jobs as background
from app.core.authz import not_found
from app.core.models import utcnow
from app.core.workflow import State
from app.extensions import db
from app.reports import policy
from app.reports.models import IssuedDocument, ReportJob, ReportJobItem
from app.results import queries as results_queries
from app.results.models import ResultSnapshot, SnapshotSupersession
from app.school import queries as school_queries
from app.school.models import SchoolClass, SchoolYear, Student

#: a running job whose worker has not reported for this long was interrupted (app.core.jobs)
STALE_AFTER = background.STALE_AFTER


@dataclass(frozen=True)
class Period:
    period: str
    period_ref: str
    label: str

    @property
    def key(self) -> str:
        return f"{self.period}:{self.period_ref}" if self.period_ref else self.period


def parse_period(value: str | None) -> tuple[str, str]:
    period, _, ref = (value or "").partition(":")
    return period, ref


# ---------------------------------------------------------------------------- scoped loaders


def report_class(user: User, class_id: int) -> SchoolClass:
    """A class whose documents the user may issue (its GVCN, BGH), or 404."""
    cls = db.session.get(SchoolClass, class_id)
    if cls is None or not policy.can_issue_for_class(user, cls.homeroom_teacher_id):
        not_found("class", class_id)
    return cls


def school_scope(user: User) -> None:
    """The khối / school pages and batches: BGH, else 404 (nothing to see there)."""
    if not policy.can_issue_for_school(user):
        not_found("school_reports", 0)


def issuable_period(cls: SchoolClass, value: str | None) -> Period:
    period, ref = parse_period(value)
    found = next((p for p in closed_periods(cls) if (p.period, p.period_ref) == (period, ref)), None)
    if found is None:
        not_found("period", value)
    return found


def class_student(cls: SchoolClass, student_id: int) -> Student:
    return results_queries.class_student(cls, student_id)


def document_for(user: User, document_id: int) -> IssuedDocument:
    doc = db.session.get(IssuedDocument, document_id)
    if doc is None or not policy.can_issue_for_class(user, doc.school_class.homeroom_teacher_id):
        not_found("issued_document", document_id)
    return doc


def job_for(user: User, job_id: int) -> ReportJob:
    job = db.session.get(ReportJob, job_id)
    cls = db.session.get(SchoolClass, job.scope_ref) if job is not None and job.scope == "class" else None
    if job is None or not policy.can_read_job(user, job.scope, cls.homeroom_teacher_id if cls else None):
        not_found("report_job", job_id)
    return job


def get_job(job_id: int) -> ReportJob | None:
    return db.session.get(ReportJob, job_id)


def job_with_requester(job_id: int) -> ReportJob | None:
    """The job with who requested it (and their roles) loaded: what recording its items reads."""
    stmt = select(ReportJob).where(ReportJob.id == job_id).options(joinedload(ReportJob.requested_by))
    return db.session.scalars(stmt).first()


# ---------------------------------------------------------------------------- periods, snapshots


def closed_periods(cls: SchoolClass) -> list[Period]:
    """The periods of the class that can be printed: a term or year close approved by the
    hiệu trưởng, and the published months (their snapshots exist)."""
    states = results_queries.close_states(cls)
    out = [
        Period(p, "", results_queries.PERIOD_LABELS[p]) for p in results_queries.PERIODS if states[p] == State.APPROVED
    ]
    refs = db.session.scalars(
        select(ResultSnapshot.period_ref)
        .where(ResultSnapshot.class_id == cls.id, ResultSnapshot.period == "month")
        .distinct()
        .order_by(ResultSnapshot.period_ref)
    )
    for ref in refs:
        year, _, month = ref.partition("-")
        out.append(Period("month", ref, f"Tháng {int(month)}/{year}" if month.isdigit() else ref))
    return out


def current_snapshots(
    class_id: int, period: str, period_ref: str = "", student_ids: Sequence[int] | None = None
) -> list[ResultSnapshot]:
    """The snapshots of (class, period) nothing supersedes, in class order (R25)."""
    stmt = (
        select(ResultSnapshot)
        .outerjoin(SnapshotSupersession, SnapshotSupersession.snapshot_id == ResultSnapshot.id)
        .where(
            ResultSnapshot.class_id == class_id,
            ResultSnapshot.period == period,
            ResultSnapshot.period_ref == period_ref,
            SnapshotSupersession.id.is_(None),
        )
        .options(selectinload(ResultSnapshot.student))
    )
    if student_ids is not None:
        stmt = stmt.where(ResultSnapshot.student_id.in_(list(student_ids)))
    return sorted(db.session.scalars(stmt), key=lambda s: s.student.sort_key)


def student_snapshot(cls: SchoolClass, student_id: int, period: Period) -> ResultSnapshot:
    found = current_snapshots(cls.id, period.period, period.period_ref, [student_id])
    if not found:
        not_found("result_snapshot", f"{cls.id}:{student_id}:{period.key}")
    return found[0]


def hoc_ba_snapshots(student_id: int) -> list[ResultSnapshot]:
    """One current snapshot per school year of the student, oldest first: after the summer
    when it exists, else cả năm (only approved closes write them)."""
    stmt = (
        select(ResultSnapshot)
        .outerjoin(SnapshotSupersession, SnapshotSupersession.snapshot_id == ResultSnapshot.id)
        .join(SchoolYear, SchoolYear.id == ResultSnapshot.year_id)
        .where(
            ResultSnapshot.student_id == student_id,
            ResultSnapshot.period.in_(("cn", "he")),
            SnapshotSupersession.id.is_(None),
        )
        .order_by(SchoolYear.start_year, ResultSnapshot.period)
    )
    by_year: dict[int, ResultSnapshot] = {}
    for snap in db.session.scalars(stmt):
        if snap.year_id not in by_year or snap.period == "he":
            by_year[snap.year_id] = snap
    return list(by_year.values())


def term_snapshots_of_years(student_id: int, year_ids: Sequence[int]) -> list[ResultSnapshot]:
    """The student's current HK I / HK II snapshots of those years (the học bạ prints each
    term's học tập beside the year's)."""
    stmt = (
        select(ResultSnapshot)
        .outerjoin(SnapshotSupersession, SnapshotSupersession.snapshot_id == ResultSnapshot.id)
        .where(
            ResultSnapshot.student_id == student_id,
            ResultSnapshot.year_id.in_(list(year_ids)),
            ResultSnapshot.period.in_(("hk1", "hk2")),
            SnapshotSupersession.id.is_(None),
        )
        .order_by(ResultSnapshot.year_id, ResultSnapshot.period)
    )
    return list(db.session.scalars(stmt))


def snapshots_by_id(ids: Sequence[int]) -> list[ResultSnapshot]:
    rows = {s.id: s for s in db.session.scalars(select(ResultSnapshot).where(ResultSnapshot.id.in_(list(ids))))}
    return [rows[i] for i in ids if i in rows]


# ---------------------------------------------------------------------------- documents


def document_by_source(kind: str, source_key: str) -> IssuedDocument | None:
    stmt = select(IssuedDocument).where(IssuedDocument.kind == kind, IssuedDocument.source_key == source_key)
    return db.session.scalars(stmt).first()


def valid_in_slot(slot: str) -> IssuedDocument | None:
    stmt = select(IssuedDocument).where(IssuedDocument.slot == slot, IssuedDocument.status == "valid")
    return db.session.scalars(stmt).first()


def code_taken(code: str) -> bool:
    return db.session.scalar(select(IssuedDocument.id).where(IssuedDocument.code == code)) is not None


def class_documents(cls: SchoolClass, period: Period) -> dict[tuple[str, int | None], IssuedDocument]:
    """The valid documents of the class for the period: {(kind, student id): document}
    (học bạ whatever the period; the sổ theo dõi under student None)."""
    stmt = select(IssuedDocument).where(
        IssuedDocument.class_id == cls.id,
        IssuedDocument.status == "valid",
        (IssuedDocument.kind == "hoc_ba")
        | ((IssuedDocument.period == period.period) & (IssuedDocument.period_ref == period.period_ref)),
    )
    return {(d.kind, d.student_id): d for d in db.session.scalars(stmt)}


def documents_of_job(job: ReportJob) -> list[IssuedDocument]:
    stmt = (
        select(IssuedDocument)
        .join(ReportJobItem, ReportJobItem.document_id == IssuedDocument.id)
        .where(ReportJobItem.job_id == job.id)
        .order_by(ReportJobItem.position)
    )
    return list(db.session.scalars(stmt))


def pending_items(job: ReportJob) -> list[ReportJobItem]:
    stmt = (
        select(ReportJobItem)
        .where(ReportJobItem.job_id == job.id, ReportJobItem.document_id.is_(None))
        .order_by(ReportJobItem.position)
    )
    return list(db.session.scalars(stmt))


def interrupted(job: ReportJob) -> bool:
    """Running, but its worker stopped reporting (killed): it may be resumed."""
    seen = job.heartbeat_at or job.started_at or job.created_at
    return job.state == "running" and utcnow() - seen > STALE_AFTER


def interrupted_jobs() -> list[ReportJob]:
    running = db.session.scalars(select(ReportJob).where(ReportJob.state.in_(("running", "queued"))))
    return [j for j in running if j.state == "queued" or interrupted(j)]


def recent_jobs(user: User, class_ids: Sequence[int] | None = None, limit: int = 10) -> list[ReportJob]:
    stmt = select(ReportJob).order_by(ReportJob.id.desc()).limit(limit)
    if class_ids is not None:
        stmt = stmt.where(ReportJob.scope == "class", ReportJob.scope_ref.in_(list(class_ids)))
    return list(db.session.scalars(stmt))


# ---------------------------------------------------------------------------- the school's list


def classes_of(user: User) -> list[SchoolClass]:
    """The classes whose documents the user may issue this year: BGH every class, a GVCN theirs."""
    year = school_queries.current_year()
    if policy.is_bgh(user):
        return school_queries.classes_of_year(year) if year else []
    return school_queries.homeroom_classes_of(user, year)


def classes_in_scope(scope: str, ref: int) -> list[SchoolClass]:
    year = school_queries.current_year()
    classes = school_queries.classes_of_year(year) if year else []
    if scope == "grade":
        return [c for c in classes if c.grade_level == ref]
    if scope == "class":
        return [c for c in classes if c.id == ref]
    return classes


def school_period(value: str | None) -> Period:
    """A period for a khối's or the school's batch: a term, the year, after the summer, a month."""
    period, ref = parse_period(value)
    if period in results_queries.PERIODS and not ref:
        return Period(period, "", results_queries.PERIOD_LABELS[period])
    year, _, month = ref.partition("-")
    if period == "month" and year.isdigit() and len(year) == 4 and month.isdigit() and 1 <= int(month) <= 12:
        return Period(period, ref, f"Tháng {int(month)}/{year}")
    not_found("period", value)


def school_periods() -> list[Period]:
    return [Period(p, "", results_queries.PERIOD_LABELS[p]) for p in results_queries.PERIODS]


def grades_of(classes: Sequence[SchoolClass]) -> list[int]:
    return sorted({c.grade_level for c in classes})


def file_path(sha256: str) -> Path:
    return files.path_for(sha256)


# ---------------------------------------------------------------------------- a batch's chunk at once


def classes_by_id(ids: Sequence[int]) -> dict[int, SchoolClass]:
    return {c.id: c for c in db.session.scalars(select(SchoolClass).where(SchoolClass.id.in_(list(ids))))}


def hoc_ba_snapshots_of(student_ids: Sequence[int]) -> dict[int, list[ResultSnapshot]]:
    """`hoc_ba_snapshots` of several students in one statement (their students, guardians and
    quá trình học tập loaded alongside, for the identity page)."""
    stmt = (
        select(ResultSnapshot)
        .outerjoin(SnapshotSupersession, SnapshotSupersession.snapshot_id == ResultSnapshot.id)
        .join(SchoolYear, SchoolYear.id == ResultSnapshot.year_id)
        .where(
            ResultSnapshot.student_id.in_(list(student_ids)),
            ResultSnapshot.period.in_(("cn", "he")),
            SnapshotSupersession.id.is_(None),
        )
        .order_by(SchoolYear.start_year, ResultSnapshot.period)
        .options(
            selectinload(ResultSnapshot.student).selectinload(Student.guardians),
            selectinload(ResultSnapshot.student).selectinload(Student.prior_schooling),
        )
    )
    by_student: dict[int, dict[int, ResultSnapshot]] = {}
    for snap in db.session.scalars(stmt):
        years = by_student.setdefault(snap.student_id, {})
        if snap.year_id not in years or snap.period == "he":
            years[snap.year_id] = snap
    return {sid: list(years.values()) for sid, years in by_student.items()}


def term_snapshots_of_students(student_ids: Sequence[int]) -> dict[int, list[ResultSnapshot]]:
    """The students' current HK I / HK II snapshots of every year (a học bạ keeps those of
    its years: `term_snapshots_of_years`), by student, in year and period order."""
    stmt = (
        select(ResultSnapshot)
        .outerjoin(SnapshotSupersession, SnapshotSupersession.snapshot_id == ResultSnapshot.id)
        .where(
            ResultSnapshot.student_id.in_(list(student_ids)),
            ResultSnapshot.period.in_(("hk1", "hk2")),
            SnapshotSupersession.id.is_(None),
        )
        .order_by(ResultSnapshot.year_id, ResultSnapshot.period)
    )
    out: dict[int, list[ResultSnapshot]] = {}
    for snap in db.session.scalars(stmt):
        out.setdefault(snap.student_id, []).append(snap)
    return out


def issued_source_keys(keys: Sequence[str]) -> set[str]:
    stmt = select(IssuedDocument.source_key).where(IssuedDocument.source_key.in_(list(keys)))
    return set(db.session.scalars(stmt))


def valid_codes_in_slots(slots: Sequence[str]) -> dict[str, str]:
    """{slot: code of its valid document} for those slots that have one."""
    stmt = select(IssuedDocument.slot, IssuedDocument.code).where(
        IssuedDocument.slot.in_(list(slots)), IssuedDocument.status == "valid"
    )
    return {slot: code for slot, code in db.session.execute(stmt)}


def codes_taken(codes: Sequence[str]) -> set[str]:
    return set(db.session.scalars(select(IssuedDocument.code).where(IssuedDocument.code.in_(list(codes)))))


@dataclass(frozen=True)
class Conflict:
    """A document recording a drawn one must know of (`record_conflicts`)."""

    id: int
    code: str
    kind: str
    source_key: str
    slot: str
    status: str


def record_conflicts(snapshot_ids: Sequence[int], kind: str, key: str, slot: str, code: str) -> list[Conflict] | None:
    """In one statement, what recording a drawn document must check under the issue lock:
    None when one of its snapshots was superseded meanwhile, else the documents of the same
    sources, the valid one of the slot and one holding the code (plain rows, no ORM)."""
    params = {"ids": list(snapshot_ids), "kind": kind, "key": key, "slot": slot, "code": code}
    rows = db.session.execute(_CONFLICTS, params).all()
    if any(r[0] == 1 for r in rows):
        return None
    return [Conflict(r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]


def _conflicts_statement() -> CompoundSelect[int, int, str, str, str, str, str]:
    """`record_conflicts`' statement, built once (a batch runs it for every document)."""
    d, s = IssuedDocument.__table__.c, SnapshotSupersession.__table__.c
    docs = select(literal_column("0", Integer), d.id, d.code, d.kind, d.source_key, d.slot, d.status).where(
        ((d.kind == bindparam("kind")) & (d.source_key == bindparam("key")))
        | ((d.slot == bindparam("slot")) & (d.status == "valid"))
        | (d.code == bindparam("code"))
    )
    superseded = select(literal_column("1", Integer), null(), null(), null(), null(), null(), null()).where(
        exists().where(s.snapshot_id.in_(bindparam("ids", expanding=True)))
    )
    return docs.union_all(superseded)


_CONFLICTS = _conflicts_statement()


def items_by_id(ids: Sequence[int]) -> list[ReportJobItem]:
    rows = {i.id: i for i in db.session.scalars(select(ReportJobItem).where(ReportJobItem.id.in_(list(ids))))}
    return [rows[i] for i in ids if i in rows]
