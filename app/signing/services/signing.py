"""Signing an issued học bạ / sổ theo dõi: GVCN → hiệu trưởng → the school's seal, each an
incremental PAdES revision of the previous bytes, stored content-addressed and recorded.

Invariants (checked under a lock, in the caller's transaction):
- only a valid (not superseded) document of a signable kind is signed;
- the steps go in order; each step once (a unique (document, step) row);
- step "gvcn": the class's own GVCN, with their own certificate; "hieu_truong": a member of
  the BGH with their own certificate; "seal": the school's certificate from configuration;
- the password (or a token's PIN) is typed at signing time and never kept; a wrong
  password or PIN, a missing token, an expired or not-yet-valid certificate: a refusal
  (422) and nothing signed.
- every key comes from services.sources (a `SigningKey`, the interface of keys.py): a key
  opened here is closed here; a key handed in (a batch's) is the caller's to close.
"""

from __future__ import annotations

from flask import current_app

from app.accounts.models import User
from app.audit import services as audit
from app.core import files
from app.core.database import lock_for_update
from app.core.errors import ConflictError, DomainError
from app.core.models import utcnow
from app.core.vn import format_datetime, to_local
from app.extensions import db
from app.reports import pdf
from app.reports.models import IssuedDocument
from app.signing import policy, queries
from app.signing.models import SIGNABLE_KINDS, STEP_LABELS, STEPS, DocumentSignature
from app.signing.services import boxes, certificates, pades, sources
from app.signing.services.keys import SigningKey
from app.signing.services.pki import TEST_MARK, CertFacts, check_validity

SIGN_LOCK_KEY = 0x5EB0_0011
FIELD_NAMES = pdf.SIGNATURE_FIELDS  # placed empty at issuing (app/reports/pdf/common.py)
REASONS = {
    "gvcn": "Nhận xét của giáo viên chủ nhiệm",
    "hieu_truong": "Phê duyệt của hiệu trưởng",
    "seal": "Đóng dấu của trường",
}
PENDING = "sodientu_signed_revisions"


def current_bytes(doc: IssuedDocument) -> bytes:
    """The latest revision: the last signature's file, or the issued file."""
    sigs = queries.signatures_of(doc.id)
    sha = sigs[-1].sha256 if sigs else doc.sha256
    pending: dict[str, bytes] = db.session.info.get(PENDING, {})
    if sha in pending:  # signed earlier in this transaction (staged, not yet in place)
        return pending[sha]
    return files.path_for(sha).read_bytes()


def current_sha256(doc: IssuedDocument) -> str:
    sigs = queries.signatures_of(doc.id)
    return sigs[-1].sha256 if sigs else doc.sha256


def _check_turn(actor: User, doc: IssuedDocument, *, seal: bool) -> str:
    if doc.kind not in SIGNABLE_KINDS:
        raise DomainError("Chỉ học bạ và sổ theo dõi được ký số.")
    if doc.status == "revoked":
        raise ConflictError(f"Văn bản {doc.code} đã bị thu hồi: không ký tiếp được.")
    if doc.status != "valid":
        raise ConflictError(f"Văn bản {doc.code} đã được thay thế bằng bản mới: hãy ký bản mới.")
    sigs = queries.signatures_of(doc.id)
    step = next((s for s in STEPS if s not in {x.step for x in sigs}), None)
    if step is None:
        raise ConflictError(f"Văn bản {doc.code} đã được ký và đóng dấu đủ.")
    if not seal and any(s.signer_id == actor.id and s.step != "seal" for s in sigs):
        raise ConflictError(f"Bạn đã ký văn bản {doc.code}.")
    if (step == "seal") != seal or not policy.can_sign_step(actor, step, doc.school_class.homeroom_teacher_id):
        raise ConflictError(f"Chưa đến lượt bạn: văn bản {doc.code} đang chờ {STEP_LABELS[step].lower()} ký.")
    return step


def _stamp_text(step: str, f: CertFacts) -> str:
    lines = [
        f"{STEP_LABELS[step]}: {f.common_name}" if step != "seal" else f"Đóng dấu: {f.common_name}",
        f"Ký số lúc {format_datetime(to_local(utcnow()))}",
    ]
    if f.is_test:
        lines.append(TEST_MARK)
    return "\n".join(lines).replace("%", "%%")


def _sign(actor: User, doc: IssuedDocument, step: str, key: SigningKey) -> DocumentSignature:
    facts = key.facts
    check_validity(facts)
    before = current_sha256(doc)
    redrawn = boxes.boxes_of(doc)
    if not redrawn.identical:
        current_app.logger.warning("signing: the redraw of %s differs from the issued file", doc.code)
    where = boxes.box_for(redrawn.boxes, step)
    tsa = current_app.config.get("SODIENTU_TSA_URL") or None
    data = pades.sign_pdf(
        current_bytes(doc),  # the revision named `before`
        key.signer,
        field_name=FIELD_NAMES[step],
        place=pades.Placement(*where) if where else None,
        text=_stamp_text(step, facts),
        reason=REASONS[step],
        tsa_url=tsa,
    )
    staged = files.stage_bytes(data, db.session())
    db.session.info.setdefault(PENDING, {})[staged.sha256] = data
    cert = queries.active_certificate(actor) if step != "seal" else None
    sig = DocumentSignature(
        document_id=doc.id,
        step=step,
        position=STEPS.index(step) + 1,
        signer_id=actor.id if step != "seal" else None,
        certificate_id=cert.id if cert else None,
        cert_fingerprint=facts.fingerprint,
        cert_subject=facts.subject,
        is_test=facts.is_test,
        timestamped=bool(tsa),
        signed_at=utcnow(),
        sha256=staged.sha256,
        size=len(data),
    )
    db.session.add(sig)
    db.session.flush()
    audit.record(
        actor,
        "signing.sealed" if step == "seal" else "signing.signed",
        doc,
        changes={
            "code": doc.code, "step": step, "certificate": facts.fingerprint,
            "subject": facts.subject, "previous_sha256": before, "test": facts.is_test,
            "timestamp": bool(tsa), "key": key.kind,
        },
        file_sha256=staged.sha256,
    )  # fmt: skip
    return sig


def open_for_signing(actor: User, secret: str) -> SigningKey:
    """The actor's own active certificate's key, opened with what they typed now (the
    caller closes it): sources.open_own."""
    return sources.open_own(actor, secret)


def sign(actor: User, doc: IssuedDocument, secret: str = "", *, key: SigningKey | None = None) -> DocumentSignature:
    """The actor's own signature on `doc` at its current step (GVCN or hiệu trưởng), with
    `key` (a batch's, left open) or the key opened now with `secret` (closed again)."""
    lock_for_update(db.session, SIGN_LOCK_KEY)
    step = _check_turn(actor, doc, seal=False)
    if key is not None:
        return _sign(actor, doc, step, key)
    with sources.open_own(actor, secret) as own:
        return _sign(actor, doc, step, own)


def seal(actor: User, doc: IssuedDocument, *, key: SigningKey | None = None) -> DocumentSignature:
    """The school's seal, last, applied by a member of the BGH."""
    lock_for_update(db.session, SIGN_LOCK_KEY)
    step = _check_turn(actor, doc, seal=True)
    if key is not None:
        return _sign(actor, doc, step, key)
    with sources.open_seal() as the_seal:
        return _sign(actor, doc, step, the_seal)


def sign_then_seal(actor: User, doc: IssuedDocument, secret: str) -> list[DocumentSignature]:
    """The actor's signature; after the hiệu trưởng's, the school's seal too when it is
    configured (one action for the BGH)."""
    done = [sign(actor, doc, secret)]
    if done[0].step == "hieu_truong" and certificates.seal_configured():
        done.append(seal(actor, doc))
    return done


def record_download(actor: User, doc: IssuedDocument, sha256: str) -> None:
    audit.record(actor, "signing.downloaded", doc, changes={"code": doc.code}, file_sha256=sha256)
