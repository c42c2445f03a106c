"""A person's signing key stored encrypted on the server — the school's opt-in (issue 11
part 1), off by default.

- The school setting `signing.store_keys` ("1"/"0") is changed by the BGH; turning it off
  deletes every stored key at once (the people then type their password again).
- When it is on and SODIENTU_KEY_ENCRYPTION_KEY is set, the owner may tick "lưu khóa" at
  upload: the key and its certificates are re-packed as an unencrypted PKCS#12 and sealed
  with AES-256-GCM under a key derived (HKDF-SHA256) from the environment secret; the
  associated data binds the blob to its owner and the certificate's fingerprint, so a blob
  copied onto another row does not open. The secret is never stored; only an 8-byte
  identifier of the derived key is kept with the blob, to say "the server key changed".
- Signing with a stored key needs no password. A missing or changed environment key is a
  Vietnamese refusal (422) and nothing is signed; the person may still type the password.
"""

from __future__ import annotations

import hashlib
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import NoEncryption, pkcs12
from flask import current_app

from app.accounts.models import User
from app.audit import services as audit
from app.core.authz import deny
from app.extensions import db
from app.school.services.school_info import get_setting, set_setting
from app.signing import policy, queries
from app.signing.models import KEY_ENCRYPTION_ENV, KEY_STORAGE_SETTING, SigningCertificate
from app.signing.services.pki import CertificateError, Opened, open_p12

SETTING = KEY_STORAGE_SETTING
VERSION = b"SK1"
ENV = KEY_ENCRYPTION_ENV
MISSING = (
    "Máy chủ chưa được cấu hình khóa mã hóa (SODIENTU_KEY_ENCRYPTION_KEY) nên không mở được khóa đã lưu: "
    "chưa ký văn bản nào. Hãy nhập mật khẩu chứng thư số, hoặc báo quản trị hệ thống."
)
CHANGED = (
    "Khóa mã hóa của máy chủ (SODIENTU_KEY_ENCRYPTION_KEY) đã bị thay đổi nên không mở được khóa đã lưu: "
    "chưa ký văn bản nào. Hãy nhập mật khẩu chứng thư số và đăng ký lại chứng thư để lưu khóa."
)


def enabled() -> bool:
    return get_setting(SETTING, "0") == "1"


def configured() -> bool:
    return bool(current_app.config.get(ENV))


def available() -> bool:
    """The owner may choose to store the key at upload."""
    return enabled() and configured()


def _key() -> bytes:
    secret = current_app.config.get(ENV)
    if not secret:
        raise CertificateError(MISSING)
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"sodientu-signing-keys", info=b"v1")
    return hkdf.derive(str(secret).encode("utf-8"))


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"key-id" + key).digest()[:8]


def _aad(owner_id: int, fingerprint: str) -> bytes:
    return f"{owner_id}:{fingerprint}".encode()


def seal_key(owner_id: int, opened: Opened) -> bytes:
    """The opened key and certificates, sealed for storing."""
    pkey = opened.key
    assert isinstance(pkey, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)  # open_p12 allows only these
    packed = pkcs12.serialize_key_and_certificates(None, pkey, opened.cert, list(opened.chain) or None, NoEncryption())
    key = _key()
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, packed, _aad(owner_id, opened.facts.fingerprint))
    return VERSION + _key_id(key) + nonce + sealed


def open_stored(cert: SigningCertificate) -> Opened:
    """The stored key of `cert`, opened (CertificateError 422 when it cannot be)."""
    blob = cert.sealed_key
    if not blob or not blob.startswith(VERSION):
        raise CertificateError("Chứng thư số này không có khóa được lưu: hãy nhập mật khẩu.")
    key = _key()
    key_id, nonce, sealed = blob[3:11], blob[11:23], blob[23:]
    if key_id != _key_id(key):
        raise CertificateError(CHANGED)
    try:
        packed = AESGCM(key).decrypt(nonce, sealed, _aad(cert.owner_id, cert.fingerprint))
    except InvalidTag:
        raise CertificateError(CHANGED) from None
    return open_p12(packed, "")


def set_enabled(actor: User, on: bool) -> int:
    """The BGH turns the school's option on or off; off deletes every stored key. Returns
    how many keys were deleted."""
    if not policy.can_manage_key_storage(actor):
        deny("signing.key_storage", "setting", 0)
    set_setting(actor, SETTING, "1" if on else "0")
    deleted = 0
    if not on:
        for cert in queries.certificates_with_stored_keys():
            cert.sealed_key = None
            deleted += 1
        db.session.flush()
    audit.record(
        actor, "signing.key_storage_enabled" if on else "signing.key_storage_disabled", ("setting", SETTING),
        changes={"enabled": on, "deleted_keys": deleted},
    )  # fmt: skip
    return deleted


def forget(actor: User, cert: SigningCertificate) -> None:
    """The owner deletes their own stored key (back to typing the password)."""
    if cert.owner_id != actor.id:
        deny("signing.certificate", "signing_certificate", cert.id)
    if cert.sealed_key is not None:
        cert.sealed_key = None
        audit.record(actor, "signing.key_forgotten", cert, changes={"fingerprint": cert.fingerprint})


ACTION_LABELS = {
    "signing.key_storage_enabled": "Bật lưu khóa ký số mã hóa trên máy chủ",
    "signing.key_storage_disabled": "Tắt lưu khóa ký số (xóa mọi khóa đã lưu)",
    "signing.key_forgotten": "Xóa khóa ký số đã lưu của mình",
}
