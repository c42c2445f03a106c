"""The read side of records, always scoped: what a user may see (404 for the rest), and
every lookup the views and services need (views run no queries of their own)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple, Protocol

from flask import url_for
from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import aliased, joinedload, lazyload, selectinload

from app.accounts.models import User
from app.audit.registry import SubjectLink
from app.core.authz import BGH, Role, found
from app.core.pagination import PAGE_SIZE, Counted, Window, count_reach, window
from app.core.vn import to_local
from app.core.workflow import State
from app.extensions import db
from app.records import policy
from app.records.models import (
    Record,
    RecordDecision,
    RecordFile,
    RecordType,
    RecordVersion,
    StepKind,
    awaiting_label,
    next_step_label,
    queue_overdue,
)
from app.school.models import Department, SchoolClass, Subject, TeachingAssignment
from app.school.queries import current_year


def scope_clause(user: User) -> ColumnElement[bool]:
    """Author, tổ trưởng/tổ phó of the record's tổ, or the BGH; the admin sees none."""
    if user.roles & BGH:
        return true()
    conditions = [Record.author_id == user.id]
    led = user.led_department_ids()
    if led:
        conditions.append(Record.department_id.in_(led))
    return or_(*conditions)


def visible_to(user: User) -> Select[Record]:
    return select(Record).where(Record.deleted_at.is_(None), scope_clause(user))


def get_for(user: User, record_id: int) -> Record:
    """The record if the user may see it; otherwise 404 (and an authz.denied trace)."""
    record: Record = found(
        db.session.scalars(visible_to(user).where(Record.id == record_id)).first(), "record", record_id
    )
    return record


def get_file_for(user: User, record_id: int, file_id: int) -> tuple[Record, RecordFile]:
    record = get_for(user, record_id)
    stmt = (
        select(RecordFile)
        .join(RecordVersion, RecordVersion.id == RecordFile.version_id)
        .where(RecordFile.id == file_id, RecordVersion.record_id == record.id)
    )
    record_file: RecordFile = found(db.session.scalars(stmt).first(), "record_file", file_id)
    return record, record_file


def my_records(user: User, limit: int = 200) -> list[Record]:
    stmt = (
        select(Record)
        .where(Record.author_id == user.id, Record.deleted_at.is_(None))
        .options(selectinload(Record.school_class), selectinload(Record.subject))
        .order_by(Record.updated_at.desc(), Record.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


#: the two decisions `_waiting_for` compares, aliased once: an alias adapts its columns the
#: first time they are used and keeps them (made per request, that is most of the queue's
#: statement building)
_SUBMIT, _APPROVE = aliased(RecordDecision), aliased(RecordDecision)


def _waiting_for(user: User) -> list[ColumnElement[bool]] | None:
    """Submitted records whose waiting step asks for this user (R14: never the author, and
    not one whose current submission this user already approved): `policy.can_review` in
    SQL (`awaiting` is the kind of `chain[step]`, set by the workflow), so that the queue is
    counted and paged by the database; None when the user reviews nothing."""
    kinds: list[ColumnElement[bool]] = []
    led = user.led_department_ids()
    if led:
        kinds.append((Record.awaiting == StepKind.HEAD.value) & Record.department_id.in_(led))
    # the steps decided school-wide in one IN: an index condition on `ix_record_waiting`
    school_wide = [StepKind.BGH.value] if user.roles & BGH else []
    if Role.PRINCIPAL in user.roles:
        school_wide.append(StepKind.PRINCIPAL.value)
    if school_wide:
        kinds.append(Record.awaiting.in_(school_wide))
    if not kinds:
        return None
    approve, later = _APPROVE, _SUBMIT
    # "already approved": one of this user's approvals of the record that no submission
    # followed. Correlated with the record only by `approve.record_id`, the inner part (this
    # user's approvals, each checked for a later submission) is one small set the database
    # builds once and hashes; the waiting records then stream past it, so a capped count or
    # a page stops early. (Written as `approve.id > max(submit.id)` of the outer record, it
    # was a merge anti-join that sorted every waiting record first: 8 ms for the district's
    # 28,000, capped or not.)
    approved = (
        select(approve.id)
        .where(
            approve.record_id == Record.id,
            approve.action == "approve",
            approve.actor_id == user.id,
            ~select(later.id)
            .where(later.record_id == approve.record_id, later.action == "submit", later.id > approve.id)
            .exists(),
        )
        .exists()
    )
    return [
        Record.deleted_at.is_(None),
        scope_clause(user),
        Record.state == State.SUBMITTED.value,
        Record.author_id != user.id,
        or_(*kinds),
        ~approved,
    ]


def _queue_order() -> tuple[ColumnElement[Any], ...]:
    """The queue's order: overdue first (`is_overdue` of a waiting record, in SQL), then the
    newest submissions — `ix_record_queue_order` on PostgreSQL, so a page is read in order."""
    return queue_overdue().desc(), Record.last_submitted_at.desc().nulls_last(), Record.id.desc()


def _queue_ids(user: User, type_code: str | None = None) -> Select[Any] | None:
    """The ids of the records waiting for this user's decision, in the queue's order; None
    when the user reviews nothing. Ids only: the database sorts narrow rows read from the
    partial index `ix_record_waiting` (a district's BGH has ≈ 28,000 waiting), not the
    records joined to their type and author."""
    waiting = _waiting_for(user)
    if waiting is None:
        return None
    stmt = select(Record.id).where(*waiting)
    if type_code is not None:
        type_id = select(RecordType.id).where(RecordType.code == type_code).scalar_subquery()
        stmt = stmt.where(Record.record_type_id == type_id)
    return stmt.order_by(*_queue_order())


def _queue_records(ids: Select[Any]) -> list[Record]:
    """The records of `ids` (a page of the queue, or all of it) in the queue's order, in one
    statement (the ids sorted in a subquery, only their records read) and its eager loads."""
    chosen = ids.subquery()
    stmt = (
        select(Record)
        .where(Record.id.in_(select(chosen.c.id)))
        .order_by(*_queue_order())
        .options(
            selectinload(Record.school_class),
            selectinload(Record.subject),
            # the queue shows each record's version number and its author's name: the files,
            # the decisions and the author's roles load only if something asks for them
            selectinload(Record.versions).lazyload(RecordVersion.files),
            joinedload(Record.author).lazyload(User.role_rows),
            lazyload(Record.decisions),
        )
    )
    return list(db.session.scalars(stmt))


def review_queue(user: User, type_code: str | None = None) -> list[Record]:
    """Every record waiting for this user's decision (of one record type when given), in
    the queue's order: what `policy.can_review` allows, decided in SQL."""
    ids = _queue_ids(user, type_code)
    return [] if ids is None else _queue_records(ids)


@dataclass(frozen=True)
class QueueRow:
    """One line of the review queue, read as plain columns (no record, version, author,
    class or subject objects): what `_queue.html` shows of a waiting record."""

    id: int
    title: str
    version: int
    step: int
    chain: list[str] | None
    awaiting: str | None
    due_date: date | None
    submitted_at: datetime | None
    last_submitted_at: datetime | None
    type_name: str
    author_name: str
    class_name: str | None
    subject_name: str | None
    version_number: int | None

    #: `dom_id(row, "queue")` names it as it names the record: record-<id>-queue
    __audit_type__ = "record"

    @property
    def awaiting_label(self) -> str:
        return awaiting_label(self.awaiting)

    @property
    def next_step_label(self) -> str:
        return next_step_label(self.chain, self.step)

    @property
    def where(self) -> str:
        """ "10A1 · Toán", as the records' `where` macro writes it."""
        return " · ".join(p for p in (self.class_name, self.subject_name) if p)


@dataclass(frozen=True)
class QueuePage:
    records: list[QueueRow]
    window: Window


def _queue_rows(ids: Select[Any]) -> list[QueueRow]:
    """The lines of `ids` (a page of the queue) in the queue's order, in ONE statement: the
    ids sorted and cut in a subquery (as `_queue_records`), their records joined to their
    type, author, class and subject, and the number of their last version."""
    chosen = ids.subquery()
    last_version = select(func.max(RecordVersion.number)).where(RecordVersion.record_id == Record.id).scalar_subquery()
    stmt = (
        select(
            Record.id,
            Record.title,
            Record.version,
            Record.step,
            Record.chain,
            Record.awaiting,
            Record.due_date,
            Record.submitted_at,
            Record.last_submitted_at,
            RecordType.name.label("type_name"),
            User.full_name.label("author_name"),
            SchoolClass.name.label("class_name"),
            Subject.name.label("subject_name"),
            last_version.label("version_number"),
        )
        .join(RecordType, RecordType.id == Record.record_type_id)
        .join(User, User.id == Record.author_id)
        .outerjoin(SchoolClass, SchoolClass.id == Record.class_id)
        .outerjoin(Subject, Subject.id == Record.subject_id)
        .where(Record.id.in_(select(chosen.c.id)))
        .order_by(*_queue_order())
    )
    return [QueueRow(**row._asdict()) for row in db.session.execute(stmt)]


#: the queue is counted up to this many records, then shown as "hơn 1.000": a district's
#: BGH has ≈ 28,000 waiting, and an exact count reads every one of them on each page, each
#: 5-second poll and each home page — the only part of the queue that grew with it
QUEUE_COUNT_CAP = 1000


def _capped_count(waiting: list[ColumnElement[bool]], reach: int) -> Counted:
    """How many records `waiting` selects, counted up to `reach` (one more row is read to
    know whether there are more): bounded, whatever the queue's length."""
    found_rows = select(Record.id).where(*waiting).limit(reach + 1).subquery()
    counted = int(db.session.scalar(select(func.count()).select_from(found_rows)) or 0)
    return Counted(min(counted, reach), more=counted > reach)


def review_page(user: User, page: int = 1, per_page: int = PAGE_SIZE, cap: int | None = None) -> QueuePage:
    """One page of the review queue (a tổ of a district-sized school has thousands waiting):
    counted in SQL up to `cap` records or the page asked for (then "Trang x/hơn y"), only
    the page's lines read — two statements."""
    waiting = _waiting_for(user)
    if waiting is None:
        return QueuePage([], window(Counted(0), 1, per_page))
    reach = count_reach(page, per_page, QUEUE_COUNT_CAP if cap is None else cap)
    shown = window(_capped_count(waiting, reach), page, per_page)
    if not shown.total:
        return QueuePage([], shown)
    ids = select(Record.id).where(*waiting).order_by(*_queue_order())
    return QueuePage(_queue_rows(ids.offset(shown.offset).limit(per_page)), shown)


def review_queue_size(user: User, cap: int | None = None) -> Counted | None:
    """How many records wait for this user's decision, counted in SQL up to `cap` (the home
    page's "N hồ sơ chờ bạn duyệt", "Hơn 1.000 …" beyond); None when the user reviews nothing."""
    waiting = _waiting_for(user)
    if waiting is None:
        return None
    return _capped_count(waiting, QUEUE_COUNT_CAP if cap is None else cap)


class _Dated(Protocol):
    @property
    def due_date(self) -> date | None: ...

    @property
    def submitted_at(self) -> datetime | None: ...


def is_overdue(record: _Dated, today: date) -> bool:
    """Past its due date and not submitted on time (still unsubmitted, or submitted late)."""
    if record.due_date is None:
        return False
    if record.submitted_at is None:
        return record.due_date < today
    return to_local(record.submitted_at).date() > record.due_date


def linked_record(type_code: str, class_id: int, subject_id: int, term_id: int) -> Record | None:
    """The record another module (the grade book) keeps for (type, class, subject, term).

    Unscoped on purpose: the caller authorises. Its `state` tells whether the linked
    content is locked (`record.locks_content`: submitted or approved).
    """
    return db.session.scalar(
        select(Record).where(
            Record.link_key == link_key(type_code, class_id, subject_id, term_id), Record.deleted_at.is_(None)
        )
    )


def link_key(type_code: str, class_id: int, subject_id: int, term_id: int) -> str:
    return f"{type_code}:{int(class_id)}:{int(subject_id)}:{int(term_id)}"


def class_link_key(type_code: str, class_id: int, period: str) -> str:
    """The key of a record kept for a whole class and a period ("hk1", "cn"…), e.g. the
    close of its results."""
    return f"{type_code}:{int(class_id)}:{period}"


def linked_class_record(type_code: str, class_id: int, period: str) -> Record | None:
    """The record another module keeps for (type, class, period); unscoped, the caller
    authorises (as `linked_record`)."""
    return db.session.scalar(
        select(Record).where(
            Record.link_key == class_link_key(type_code, class_id, period), Record.deleted_at.is_(None)
        )
    )


def records_by_link_keys(keys: Collection[str]) -> dict[str, Record]:
    """{link key: record} for the given keys (one query and its eager loads)."""
    if not keys:
        return {}
    rows = db.session.scalars(select(Record).where(Record.link_key.in_(list(keys)), Record.deleted_at.is_(None)))
    return {r.link_key: r for r in rows if r.link_key is not None}


def states_by_link_keys(keys: Collection[str]) -> dict[str, str]:
    """{link key: state} for the given keys: one light query, no record objects (the
    locks and badges that need the state only)."""
    if not keys:
        return {}
    rows = db.session.execute(
        select(Record.link_key, Record.state).where(Record.link_key.in_(list(keys)), Record.deleted_at.is_(None))
    )
    return {key: state for key, state in rows if key is not None}


def linked_class_records(type_code: str, class_ids: Collection[int], periods: Collection[str]) -> dict[str, Record]:
    """{link key: record} of many (class, period) pairs in one query."""
    return records_by_link_keys([class_link_key(type_code, c, p) for c in class_ids for p in periods])


def record_types(active_only: bool = False) -> list[RecordType]:
    stmt = select(RecordType).order_by(RecordType.sort_order, RecordType.id)
    if active_only:
        stmt = stmt.where(RecordType.active.is_(True))
    return list(db.session.scalars(stmt))


def creatable_types(user: User) -> list[RecordType]:
    return [t for t in record_types(active_only=True) if policy.can_create(user, t)]


def get_type(type_id: int) -> RecordType:
    record_type: RecordType = found(db.session.get(RecordType, type_id), "record_type", type_id)
    return record_type


def get_type_by_code(code: str) -> RecordType | None:
    return db.session.scalar(select(RecordType).where(RecordType.code == code))


def creatable_type(types: Sequence[RecordType], type_id: int | None) -> RecordType | None:
    """The type chosen on the "new record" page, among those the user may create."""
    return next((t for t in types if t.id == type_id), None)


def subject(subject_id: int | None) -> Subject | None:
    return db.session.get(Subject, subject_id) if subject_id else None


def led_departments(user: User) -> list[DepartmentName]:
    """The tổ a tổ trưởng or tổ phó leads (their compliance is on the review page): their id
    and name, in one statement."""
    led = user.led_department_ids()
    if not led:
        return []
    stmt = select(Department.id, Department.name).where(Department.id.in_(led))
    rows = {d.id: DepartmentName(d.id, d.name) for d in db.session.execute(stmt)}
    return [rows[d] for d in led if d in rows]


class DepartmentName(NamedTuple):
    id: int
    name: str


def assignment_choices(user: User) -> list[tuple[int, int, str]]:
    """teaching_choices() in the current school year."""
    year = current_year()
    return teaching_choices(user, year.id if year else None)


def teaching_choices(user: User, year_id: int | None) -> list[tuple[int, int, str]]:
    """(class id, subject id, "10A1 · Toán") for the user's teaching assignments."""
    stmt = (
        select(TeachingAssignment.class_id, TeachingAssignment.subject_id, SchoolClass.name, Subject.name)
        .join(SchoolClass, SchoolClass.id == TeachingAssignment.class_id)
        .join(Subject, Subject.id == TeachingAssignment.subject_id)
        .where(TeachingAssignment.teacher_id == user.id)
        .order_by(SchoolClass.grade_level, SchoolClass.name, Subject.sort_order)
    )
    if year_id is not None:
        stmt = stmt.where(SchoolClass.year_id == year_id)
    return [(c, s, f"{cn} · {sn}") for c, s, cn, sn in db.session.execute(stmt)]


def teaches(user_id: int, class_id: int, subject_id: int) -> bool:
    return (
        db.session.scalar(
            select(TeachingAssignment.id).where(
                TeachingAssignment.teacher_id == user_id,
                TeachingAssignment.class_id == class_id,
                TeachingAssignment.subject_id == subject_id,
            )
        )
        is not None
    )


def links(record_ids: Collection[int]) -> dict[int, SubjectLink]:
    """How the audit feed and digest show records (one query)."""
    stmt = (
        select(Record)
        .where(Record.id.in_(record_ids))
        .options(selectinload(Record.record_type), selectinload(Record.author), selectinload(Record.department))
    )
    out: dict[int, SubjectLink] = {}
    for r in db.session.scalars(stmt):
        detail = " · ".join(
            p for p in (r.record_type.name, r.author.full_name, r.department.name if r.department else "") if p
        )
        out[r.id] = SubjectLink(r.title, url_for("records.detail", record_id=r.id), detail)
    return out
