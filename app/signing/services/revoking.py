"""The BGH revokes an issued document (báo liên lạc, học bạ, sổ theo dõi) with a reason:
status 'revoked' for good — no further signature, /verify says "Đã thu hồi" with the date,
the parent page stops offering it. Audited (`signing.revoked`). A revoked document is not
replaced: a corrected one is issued anew from a newly approved snapshot.

Under the signing lock, so a revocation and a signature (or a batch's item) never cross.
"""

from __future__ import annotations

from app.accounts.models import User
from app.audit import services as audit
from app.core.authz import deny
from app.core.database import lock_for_update
from app.core.errors import ConflictError, DomainError
from app.core.models import utcnow
from app.extensions import db
from app.reports.models import IssuedDocument
from app.signing import policy
from app.signing.models import MAX_REVOKE_NOTE as MAX_NOTE
from app.signing.models import REVOKE_REASONS
from app.signing.services.signing import SIGN_LOCK_KEY


def revoke(actor: User, doc: IssuedDocument, reason: str, note: str = "") -> IssuedDocument:
    """`doc` revoked now by `actor` (BGH only). 409 when already revoked; 422 for an unknown
    reason or a missing note with "other"."""
    if not policy.can_revoke_document(actor):
        deny("signing.revoke", "issued_document", doc.id)
    lock_for_update(db.session, SIGN_LOCK_KEY)
    db.session.refresh(doc)
    if reason not in REVOKE_REASONS:
        raise DomainError("Hãy chọn lý do thu hồi.")
    note = (note or "").strip()
    if reason == "other" and not note:
        raise DomainError("Hãy ghi rõ lý do thu hồi.")
    if len(note) > MAX_NOTE:
        raise DomainError(f"Ghi chú quá dài (tối đa {MAX_NOTE} ký tự).")
    if doc.status == "revoked":
        raise ConflictError(f"Văn bản {doc.code} đã bị thu hồi trước đó.")
    before = doc.status
    doc.status, doc.revoked_at, doc.revoked_by_id = "revoked", utcnow(), actor.id
    doc.revoke_reason, doc.revoke_note = reason, note or None
    audit.record(
        actor, "signing.revoked", doc,
        changes={"code": doc.code, "status": [before, "revoked"], "reason": reason, "note": note or None},
    )  # fmt: skip
    return doc


ACTION_LABELS = {"signing.revoked": "Thu hồi văn bản đã phát hành"}
