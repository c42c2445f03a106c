"""Registering one's own certificate (PKCS#12 upload with its password, checked), and the
school seal from configuration."""

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
from app.signing.services import keystore
from app.signing.services.pki import MAX_P12_BYTES, CertificateError, Opened, open_p12

#: read one byte past the limit so an oversized upload is refused, not truncated
MAX_READ = MAX_P12_BYTES + 1


def register(actor: User, data: bytes, password: str, *, store_key: bool = False) -> SigningCertificate:
    """Check the PKCS#12 (CertificateError 422 on any fault: nothing stored) and make it the
    actor's active certificate. The password is used to check and then forgotten."""
    if not policy.can_hold_certificate(actor, queries.is_homeroom_teacher(actor)):
        deny("signing.certificate", "user", actor.id)
    opened = open_p12(data, password)
    f = opened.facts
    if store_key and not keystore.available():
        raise ConflictError("Nhà trường chưa cho phép lưu khóa ký số trên máy chủ: hãy bỏ chọn ô lưu khóa.")
    for old in queries.certificates_of(actor):
        old.active = False
    cert = SigningCertificate(
        owner_id=actor.id,
        p12=data,
        subject=f.subject,
        common_name=f.common_name,
        issuer=f.issuer,
        serial=f.serial,
        fingerprint=f.fingerprint,
        key_type=f.key_type,
        not_before=f.not_before,
        not_after=f.not_after,
        is_test=f.is_test,
        active=True,
        sealed_key=keystore.seal_key(actor.id, opened) if store_key else None,
    )
    db.session.add(cert)
    db.session.flush()
    audit.record(
        actor,
        "signing.certificate_registered",
        cert,
        changes={
            "subject": f.subject, "issuer": f.issuer, "serial": f.serial, "fingerprint": f.fingerprint,
            "not_after": f.not_after.isoformat(), "is_test": f.is_test, "key_stored": store_key,
        },
    )  # fmt: skip
    return cert


def open_own(actor: User, cert: SigningCertificate, password: str) -> Opened:
    """The actor's own certificate opened with the password typed now (422 when wrong or
    expired)."""
    if cert.owner_id != actor.id:
        deny("signing.certificate", "signing_certificate", cert.id)
    return open_p12(cert.p12, password)


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
