"""Scoped loaders of certificates, signatures and documents to sign."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import select

from app.accounts.models import User
from app.core import jobs as background
from app.core.authz import not_found
from app.extensions import db
from app.reports.models import IssuedDocument
from app.results.models import ResultSnapshot
from app.school.models import SchoolClass, SchoolSetting
from app.signing import policy
from app.signing.models import (
    KEY_ENCRYPTION_ENV,
    KEY_STORAGE_SETTING,
    SIGNABLE_KINDS,
    STEPS,
    DeliveredCopy,
    DocumentSignature,
    SigningCertificate,
    SigningJob,
    SigningJobItem,
)


def is_homeroom_teacher(user: User) -> bool:
    return (
        db.session.scalar(select(SchoolClass.id).where(SchoolClass.homeroom_teacher_id == user.id).limit(1)) is not None
    )


def active_certificate(user: User) -> SigningCertificate | None:
    return db.session.scalars(
        select(SigningCertificate)
        .where(SigningCertificate.owner_id == user.id, SigningCertificate.active.is_(True))
        .order_by(SigningCertificate.id.desc())
    ).first()


def certificates_of(user: User) -> list[SigningCertificate]:
    return list(
        db.session.scalars(
            select(SigningCertificate)
            .where(SigningCertificate.owner_id == user.id)
            .order_by(SigningCertificate.id.desc())
        )
    )


def active_certificates() -> list[SigningCertificate]:
    """Every person's active certificate (the BGH's overview), soonest expiry first."""
    return list(
        db.session.scalars(
            select(SigningCertificate)
            .where(SigningCertificate.active.is_(True))
            .order_by(SigningCertificate.not_after, SigningCertificate.id)
        )
    )


def signable_document(user: User, document_id: int) -> IssuedDocument:
    """A học bạ / sổ theo dõi the user may see on the signing pages, or 404."""
    doc = db.session.get(IssuedDocument, document_id)
    if (
        doc is None
        or doc.kind not in SIGNABLE_KINDS
        or not policy.can_see_document(user, doc.school_class.homeroom_teacher_id)
    ):
        not_found("issued_document", document_id)
    return doc


def signatures_of(document_id: int) -> list[DocumentSignature]:
    return list(
        db.session.scalars(
            select(DocumentSignature)
            .where(DocumentSignature.document_id == document_id)
            .order_by(DocumentSignature.position)
        )
    )


def next_step(document_id: int) -> str | None:
    done = {s.step for s in signatures_of(document_id)}
    return next((s for s in STEPS if s not in done), None)


def awaiting(user: User, limit: int | None = 200, class_id: int | None = None) -> list[tuple[IssuedDocument, str]]:
    """Valid học bạ / sổ theo dõi whose next step is the user's, with that step (of one
    class when `class_id` is given; every one when `limit` is None)."""
    query = select(IssuedDocument).where(IssuedDocument.kind.in_(SIGNABLE_KINDS), IssuedDocument.status == "valid")
    if class_id is not None:
        query = query.where(IssuedDocument.class_id == class_id)
    if not policy.is_bgh(user):
        query = query.join(SchoolClass, SchoolClass.id == IssuedDocument.class_id).where(
            SchoolClass.homeroom_teacher_id == user.id
        )
    query = query.order_by(IssuedDocument.class_id, IssuedDocument.id)
    docs = list(db.session.scalars(query.limit(limit) if limit is not None else query))
    steps: dict[int, set[str]] = {d.id: set() for d in docs}
    if docs:
        for doc_id, step in db.session.execute(
            select(DocumentSignature.document_id, DocumentSignature.step).where(
                DocumentSignature.document_id.in_(list(steps))
            )
        ):
            steps[doc_id].add(step)
    out = []
    for d in docs:
        nxt = next((s for s in STEPS if s not in steps[d.id]), None)
        if nxt is not None and policy.can_sign_step(user, nxt, d.school_class.homeroom_teacher_id):
            out.append((d, nxt))
    return out


def snapshots_by_id(ids: Sequence[int]) -> list[ResultSnapshot]:
    rows = {s.id: s for s in db.session.scalars(select(ResultSnapshot).where(ResultSnapshot.id.in_(list(ids))))}
    return [rows[i] for i in ids if i in rows]


def people_who_sign() -> list[User]:
    """Active GVCN (of any class) and BGH members: who needs a certificate."""
    from app.accounts.models import UserRole

    gvcn = select(SchoolClass.homeroom_teacher_id).where(SchoolClass.homeroom_teacher_id.is_not(None))
    bgh = select(UserRole.user_id).where(UserRole.role.in_([r.value for r in policy.BGH]))
    return list(
        db.session.scalars(
            select(User).where(User.active.is_(True), User.id.in_(gvcn) | User.id.in_(bgh)).order_by(User.username)
        )
    )


def batch_class(user: User, class_id: int) -> SchoolClass:
    """A class the BGH signs as a batch (every class of the school), or 404."""
    cls = db.session.get(SchoolClass, class_id)
    if cls is None or not policy.is_bgh(user):
        not_found("school_class", class_id)
    return cls


def batch_classes(items: Sequence[tuple[IssuedDocument, str]]) -> list[tuple[SchoolClass, int]]:
    """The classes among `items` with documents at the hiệu trưởng's step or the seal, and
    how many."""
    counts: dict[int, tuple[SchoolClass, int]] = {}
    for doc, step in items:
        if step in ("hieu_truong", "seal"):
            cls, n = counts.get(doc.class_id, (doc.school_class, 0))
            counts[doc.class_id] = (cls, n + 1)
    return sorted(counts.values(), key=lambda c: c[0].name)


# ---------------------------------------------------------------------------- batches (jobs)

BATCH_STEPS = ("hieu_truong", "seal")


def batch_documents(user: User, class_id: int | None = None) -> list[IssuedDocument]:
    """Every document (of a class, or of the school) waiting for the hiệu trưởng's signature
    or the seal, in class order."""
    return [d for d, step in awaiting(user, limit=None, class_id=class_id) if step in BATCH_STEPS]


def job_for(user: User, job_id: int) -> SigningJob:
    """A signing job, for the BGH only (anyone else: 404)."""
    job = db.session.get(SigningJob, job_id)
    if job is None or not policy.can_see_signing_job(user):
        not_found("signing_job", job_id)
    return job


def get_job(job_id: int) -> SigningJob | None:
    return db.session.get(SigningJob, job_id)


def job_item(item_id: int) -> SigningJobItem | None:
    return db.session.get(SigningJobItem, item_id)


def pending_items(job: SigningJob) -> list[SigningJobItem]:
    return list(
        db.session.scalars(
            select(SigningJobItem)
            .where(SigningJobItem.job_id == job.id, SigningJobItem.outcome.is_(None))
            .order_by(SigningJobItem.position)
        )
    )


def interrupted(job: SigningJob) -> bool:
    """Queued or running, but no thread has reported for a while: its process died (the
    key died with it), so it is resumed with the password typed again."""
    return background.interrupted(job.state, job.last_seen)


def recent_jobs(limit: int = 10) -> list[SigningJob]:
    return list(db.session.scalars(select(SigningJob).order_by(SigningJob.id.desc()).limit(limit)))


# ---------------------------------------------------------------------------- revoking


def revocable_document(user: User, document_id: int) -> IssuedDocument:
    """Any issued document, for the BGH (who revoke), or 404."""
    doc = db.session.get(IssuedDocument, document_id)
    if doc is None or not policy.can_revoke_document(user):
        not_found("issued_document", document_id)
    return doc


def revocable_by_code(user: User, code: str) -> IssuedDocument | None:
    """The issued document with this code, for the BGH (None: no such code)."""
    if not policy.can_revoke_document(user):
        not_found("issued_document", 0)
    return db.session.scalars(select(IssuedDocument).where(IssuedDocument.code == code)).first()


def certificates_with_stored_keys() -> list[SigningCertificate]:
    return list(db.session.scalars(select(SigningCertificate).where(SigningCertificate.sealed_key.is_not(None))))


def key_storage_facts() -> dict[str, object]:
    """The school's opt-in to stored keys, for the certificates page."""
    row = db.session.get(SchoolSetting, KEY_STORAGE_SETTING)
    enabled = row is not None and row.value == "1"
    configured = bool(current_app.config.get(KEY_ENCRYPTION_ENV))
    count = len(certificates_with_stored_keys()) if enabled else 0
    return {"enabled": enabled, "configured": configured, "available": enabled and configured, "count": count}


def delivered_hashes(document_id: int) -> list[str]:
    """The sha256 of every copy of the document delivered to a family (DeliveredCopy)."""
    return list(db.session.scalars(select(DeliveredCopy.sha256).where(DeliveredCopy.document_id == document_id)))
