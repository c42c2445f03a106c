"""Registering one's own certificate — a PKCS#12 upload with its password, or a certificate
read from a USB token with its PIN (services.token), each checked — and the school seal
from configuration."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from app.accounts.models import User
from app.audit import services as audit
from app.core.authz import deny
from app.core.errors import ConflictError
from app.extensions import db
from app.signing import policy, queries
from app.signing.models import SigningCertificate
from app.signing.services import keystore, token
from app.signing.services.pki import MAX_P12_BYTES, CertFacts, CertificateError, Opened, open_p12

#: read one byte past the limit so an oversized upload is refused, not truncated
MAX_READ = MAX_P12_BYTES + 1


def register(actor: User, data: bytes, password: str, *, store_key: bool = False) -> SigningCertificate:
    """Check the PKCS#12 (CertificateError 422 on any fault: nothing stored) and make it the
    actor's active certificate. The password is used to check and then forgotten."""
    _check_holder(actor)
    opened = open_p12(data, password)
    if store_key and not keystore.available():
        raise ConflictError("Nhà trường chưa cho phép lưu khóa ký số trên máy chủ: hãy bỏ chọn ô lưu khóa.")
    sealed = keystore.seal_key(actor.id, opened) if store_key else None
    return _record(actor, opened.facts, source="p12", p12=data, sealed_key=sealed, audited={"key_stored": store_key})


def register_token(actor: User, token_label: str, pin: str, key_ref: str = "") -> SigningCertificate:
    """ "Chứng thư trên USB token": the certificate read from the token (the PIN typed now,
    never kept), checked like an upload — valid today, Key Usage allows signing, the
    token's key proved to match it — and made the actor's active certificate. Only where
    the key is and the certificate's facts are stored. CertificateError 422: nothing stored."""
    _check_holder(actor)
    label = token_label.strip()
    if len(label) > token.MAX_LABEL:
        raise CertificateError(f"Tên (nhãn) của USB token dài tối đa {token.MAX_LABEL} ký tự.")
    found = token.read(label, pin, key_ref)
    where = {"token_label": found.token_label, "key_id": found.key_id, "key_label": found.key_label}
    return _record(actor, found.facts, source="pkcs11", audited={"key_stored": False, **where}, **where)


def _check_holder(actor: User) -> None:
    if not policy.can_hold_certificate(actor, queries.is_homeroom_teacher(actor)):
        deny("signing.certificate", "user", actor.id)


def _record(
    actor: User, f: CertFacts, *, source: str, audited: dict[str, object], **where: object
) -> SigningCertificate:
    """The checked certificate as the actor's only active one, and its audit event (the
    certificate's facts, never a key or a password)."""
    for old in queries.certificates_of(actor):
        old.active = False
    cert = SigningCertificate(
        owner_id=actor.id, source=source, subject=f.subject, common_name=f.common_name, issuer=f.issuer,
        serial=f.serial, fingerprint=f.fingerprint, key_type=f.key_type, not_before=f.not_before,
        not_after=f.not_after, is_test=f.is_test, active=True, **where,
    )  # fmt: skip
    db.session.add(cert)
    db.session.flush()
    facts = {"subject": f.subject, "issuer": f.issuer, "serial": f.serial, "fingerprint": f.fingerprint}
    changes = {**facts, "not_after": f.not_after.isoformat(), "is_test": f.is_test, "source": source, **audited}
    audit.record(actor, "signing.certificate_registered", cert, changes=changes)
    return cert


def seal_configured() -> bool:
    return bool(current_app.config.get("SODIENTU_SEAL_P12"))


def open_seal() -> Opened:
    path = current_app.config.get("SODIENTU_SEAL_P12")
    if not path:
        raise CertificateError("Chưa cấu hình con dấu số của trường (SODIENTU_SEAL_P12).")
    try:
        data = Path(path).read_bytes()
    except OSError:
        raise CertificateError("Không đọc được tệp con dấu số của trường (SODIENTU_SEAL_P12).") from None
    try:
        return open_p12(data, current_app.config.get("SODIENTU_SEAL_PASSWORD") or "")
    except CertificateError as exc:
        raise CertificateError(f"Con dấu số của trường: {exc.message}") from None
