"""The hiệu trưởng signs a whole class in one action: the password asked once, the
PKCS#12 opened and the key parsed once per batch (pades.KeySigner, TOOLCHAIN.md), the
seal opened once; each document signed (and sealed) in its own transaction, so a batch
cut short leaves every finished document signed and the next run picks up the rest — a
document already signed at a step is never signed again (the order check and the
(document, step) unique key)."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.accounts.models import User
from app.core.authz import deny
from app.core.database import unit_of_work
from app.core.errors import DomainError
from app.extensions import db
from app.reports.models import IssuedDocument
from app.school.models import SchoolClass
from app.signing import policy, queries
from app.signing.services import certificates, pades
from app.signing.services.signing import PENDING, open_for_signing, seal, sign


@dataclass
class BatchResult:
    signed: list[str] = field(default_factory=list)  # codes
    sealed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (code, sentence)


def class_batch_ids(actor: User, cls: SchoolClass) -> list[int]:
    """The class's documents waiting for the hiệu trưởng's signature or the seal."""
    return [d.id for d, step in queries.awaiting(actor) if d.class_id == cls.id and step in ("hieu_truong", "seal")]


def sign_class(actor: User, cls: SchoolClass, password: str) -> BatchResult:
    if not policy.is_bgh(actor):
        deny("signing.batch", "school_class", cls.id)
    ids = class_batch_ids(actor, cls)
    if not ids:
        raise DomainError(f"Lớp {cls.name} không có văn bản nào chờ hiệu trưởng ký.")
    opened = open_for_signing(actor, password)  # wrong password / expired: refused before anything
    signer = pades.KeySigner(opened)
    seal_opened = certificates.open_seal() if certificates.seal_configured() else None
    seal_signer = pades.KeySigner(seal_opened) if seal_opened else None
    actor_id, result = actor.id, BatchResult()
    db.session.commit()  # end the read transaction: each document is its own write
    for doc_id in ids:
        try:
            with unit_of_work():
                me = db.session.get(User, actor_id)
                doc = db.session.get(IssuedDocument, doc_id)
                assert me is not None and doc is not None
                if queries.next_step(doc.id) == "hieu_truong":
                    sign(me, doc, opened=opened, signer=signer)
                    result.signed.append(doc.code)
                if seal_opened is not None and queries.next_step(doc.id) == "seal":
                    seal(me, doc, opened=seal_opened, signer=seal_signer)
                    result.sealed.append(doc.code)
        except DomainError as exc:
            result.failed.append((str(doc_id), exc.message))
        db.session.info.pop(PENDING, None)  # this document's revisions are on disk now
    return result
