"""The read side of parents.

Parent side: everything is read through a ParentPrincipal — one link, so one student,
one guardian, one purpose — and only that student's own current snapshots and issued
báo liên lạc (never a class-level structure: an import-linter contract forbids the class
queries). Staff side: the GVCN's (or BGH's) class, its roster, links and receipts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.authz import not_found
from app.extensions import db
from app.parents import policy, tokens
from app.parents.models import ParentAck, ParentLink, ParentRelease
from app.reports.models import IssuedDocument
from app.results.models import ResultSnapshot, SnapshotSupersession
from app.school.models import Enrollment, Guardian, SchoolClass, Student

PERIOD_ORDER = {"month": 0, "hk1": 1, "hk2": 2, "cn": 3, "he": 4}


@dataclass(frozen=True)
class ParentPrincipal:
    """Who a parent request acts for. Not a User: it can read one student's reports only."""

    link_id: int
    student_id: int
    guardian_id: int
    class_id: int
    year_id: int
    purpose: str


# ---------------------------------------------------------------------------- parent side


def link_by_token(token: str) -> tuple[str, ParentLink | None]:
    """(the token's hash, its link or None) — one lookup by hash whatever the input."""
    hashed = tokens.token_hash(token)
    link = db.session.scalars(select(ParentLink).where(ParentLink.token_hash == hashed)).first()
    return hashed, link


def principal_of(claim: tokens.CookieClaim | None, now: datetime) -> ParentPrincipal | None:
    """The cookie's link, if it is still the same, unrevoked, unexpired link."""
    if claim is None:
        return None
    link = db.session.get(ParentLink, claim.link_id)
    if link is None or not link.token_hash.startswith(claim.hash_prefix) or not link.usable(now):
        return None
    return ParentPrincipal(link.id, link.student_id, link.guardian_id, link.class_id, link.year_id, link.purpose)


def student_of(principal: ParentPrincipal) -> Student:
    student = db.session.get(Student, principal.student_id)
    assert student is not None
    return student


def link_of(principal: ParentPrincipal) -> ParentLink:
    link = db.session.get(ParentLink, principal.link_id)
    assert link is not None
    return link


def _released() -> object:
    return or_(
        ResultSnapshot.period == "month",
        exists().where(
            and_(
                ParentRelease.class_id == ResultSnapshot.class_id,
                ParentRelease.period == ResultSnapshot.period,
                ParentRelease.period_ref == ResultSnapshot.period_ref,
            )
        ),
    )


def points_for(principal: ParentPrincipal) -> list[ResultSnapshot]:
    """The student's current snapshots of the link's year that parents may see, in order.

    "Current" is an anti-join on the supersession's unique snapshot id (one index probe per
    snapshot of the child): `id NOT IN (SELECT snapshot_id …)` made PostgreSQL hash every
    supersession of the school, of every year, on each parent request."""
    rows = db.session.scalars(
        select(ResultSnapshot)
        .outerjoin(SnapshotSupersession, SnapshotSupersession.snapshot_id == ResultSnapshot.id)
        .where(
            ResultSnapshot.student_id == principal.student_id,
            ResultSnapshot.year_id == principal.year_id,
            SnapshotSupersession.id.is_(None),
            _released(),  # type: ignore[arg-type]
        )
    ).all()
    return sorted(rows, key=lambda s: (PERIOD_ORDER.get(s.period, 9), s.period_ref, s.id))


def point_for(principal: ParentPrincipal, snapshot_id: int) -> ResultSnapshot | None:
    """One of points_for(principal), or None (the view answers the plain 404)."""
    return next((s for s in points_for(principal) if s.id == snapshot_id), None)


def issued_for(principal: ParentPrincipal, snapshot: ResultSnapshot) -> IssuedDocument | None:
    """The valid báo liên lạc issued from exactly this snapshot, if any."""
    docs = db.session.scalars(
        select(IssuedDocument).where(
            IssuedDocument.kind == "bao_lien_lac",
            IssuedDocument.student_id == principal.student_id,
            IssuedDocument.status == "valid",
            IssuedDocument.period == snapshot.period,
            IssuedDocument.period_ref == snapshot.period_ref,
        )
    ).all()
    return next((d for d in docs if any(src.get("id") == snapshot.id for src in d.sources)), None)


def acks_of_link(link_id: int) -> dict[int, ParentAck]:
    rows = db.session.scalars(select(ParentAck).where(ParentAck.link_id == link_id)).all()
    return {a.snapshot_id: a for a in rows}


# ---------------------------------------------------------------------------- staff side


def managed_class(user: User, class_id: int) -> SchoolClass:
    """A class whose parent links the user manages (its GVCN, BGH), or 404."""
    cls = db.session.get(SchoolClass, class_id)
    if cls is None or not policy.can_manage_links(user, cls.homeroom_teacher_id):
        not_found("class", class_id)
    return cls


def managed_classes(user: User) -> list[SchoolClass]:
    rows = db.session.scalars(select(SchoolClass).order_by(SchoolClass.name)).all()
    return [c for c in rows if policy.can_manage_links(user, c.homeroom_teacher_id)]


def roster(cls: SchoolClass) -> list[Student]:
    """The class's enrolled students (open enrollments), with their guardians."""
    students = db.session.scalars(
        select(Student)
        .join(Enrollment, Enrollment.student_id == Student.id)
        .where(Enrollment.class_id == cls.id, Enrollment.end_date.is_(None))
        .options(selectinload(Student.guardians))
    ).all()
    return sorted(set(students), key=lambda s: s.sort_key)


def class_guardian(cls: SchoolClass, guardian_id: int) -> Guardian:
    guardian = db.session.get(Guardian, guardian_id)
    if guardian is None or guardian.student_id not in {s.id for s in roster(cls)}:
        not_found("guardian", guardian_id)
    return guardian


def class_link(user: User, link_id: int) -> ParentLink:
    link = db.session.get(ParentLink, link_id)
    if link is None:
        not_found("parent_link", link_id)
    managed_class(user, link.class_id)
    return link


def links_of_class(cls: SchoolClass) -> dict[int, ParentLink]:
    """{guardian id: its newest link} for the class."""
    rows = db.session.scalars(select(ParentLink).where(ParentLink.class_id == cls.id).order_by(ParentLink.id)).all()
    return {link.guardian_id: link for link in rows}


def acks_of_class(cls: SchoolClass) -> dict[int, list[ParentAck]]:
    """{link id: its acknowledgements} for the class's links."""
    rows = db.session.scalars(
        select(ParentAck).join(ParentLink, ParentLink.id == ParentAck.link_id).where(ParentLink.class_id == cls.id)
    ).all()
    out: dict[int, list[ParentAck]] = {}
    for ack in rows:
        out.setdefault(ack.link_id, []).append(ack)
    return out


def approved_points(cls: SchoolClass) -> list[tuple[str, str]]:
    """(period, ref) of the class's approved term/year closes (snapshots exist), in order."""
    rows = db.session.execute(
        select(ResultSnapshot.period, ResultSnapshot.period_ref)
        .where(ResultSnapshot.class_id == cls.id, ResultSnapshot.period != "month")
        .distinct()
    ).all()
    return sorted({(p, r) for p, r in rows}, key=lambda pr: (PERIOD_ORDER.get(pr[0], 9), pr[1]))


def releases_of(cls: SchoolClass) -> dict[tuple[str, str], ParentRelease]:
    rows = db.session.scalars(select(ParentRelease).where(ParentRelease.class_id == cls.id)).all()
    return {(r.period, r.period_ref): r for r in rows}
