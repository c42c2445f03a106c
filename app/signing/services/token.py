"""A key on a USB token (PKCS#11) — `TokenSource`, read with pyHanko's PKCS11Signer over
python-pkcs11.

- The server loads the PKCS#11 library the school's CA supplies with its tokens
  (SODIENTU_PKCS11_MODULE: the path of the .so); the token is plugged into the machine
  that runs Sổ điện tử (or is reached through that library).
- A person registers "chứng thư trên USB token": the token's label, the PIN, and — when
  the token holds several keys — the key's label or ID. The certificate is read from the
  token and checked like an uploaded one (valid today, Key Usage allows signing) and the
  key is proved to match it: one signature by the token of a random challenge, verified
  with the certificate's public key. Only where the key is (token label, key ID and label)
  and the certificate's facts are stored — no key material, never the PIN.
- Signing opens a session with the PIN typed now (once per batch), checks that the
  token's certificate is still the registered one (same sha256 fingerprint) and proves the
  key again; the session stays open, logged in, for the document or the batch, and is
  closed (logged out) by SigningKey.close().
- Every failure is a Vietnamese CertificateError (422) before anything is signed: no
  library configured or loadable, token not found, wrong or locked PIN, no matching key.
  A token already logged in by another signing run of this process is a 409: the PKCS#11
  login is shared by all sessions of a process, so a second PIN could not be checked.

Pure of the database: the callers record what is registered and signed.
"""

from __future__ import annotations

import asyncio
import os
import re
from dataclasses import dataclass
from typing import Any

import pkcs11
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from flask import current_app
from pkcs11 import Attribute, ObjectClass
from pkcs11 import exceptions as p11
from pyhanko.sign.pkcs11 import PKCS11Signer

from app.core.errors import ConflictError
from app.signing.services.keys import SigningKey
from app.signing.services.pki import CertFacts, CertificateError, can_sign, check_validity, facts_of

MODULE_SETTING = "SODIENTU_PKCS11_MODULE"
MAX_LABEL = 32  # a PKCS#11 token label is 32 bytes, blank-padded
NO_MODULE = (
    "Máy chủ chưa được cấu hình thư viện PKCS#11 của USB token (SODIENTU_PKCS11_MODULE) nên chưa ký được "
    "bằng token: chưa ký văn bản nào. Hãy báo quản trị hệ thống."
)
WRONG_PIN = "Mã PIN của USB token không đúng: chưa ký văn bản nào. Lưu ý: nhập sai nhiều lần liên tiếp sẽ khóa token."


def configured() -> bool:
    return bool(current_app.config.get(MODULE_SETTING))


def _module() -> str:
    path = current_app.config.get(MODULE_SETTING)
    if not path:
        raise CertificateError(NO_MODULE)
    return str(path)


def _lib(path: str) -> Any:
    if not os.path.isfile(path):
        raise CertificateError(
            f"Không tìm thấy thư viện PKCS#11 “{path}” trên máy chủ (SODIENTU_PKCS11_MODULE): chưa ký văn bản nào. "
            "Hãy cài phần mềm USB token của nhà cung cấp chứng thư số hoặc sửa đường dẫn."
        )
    try:
        return pkcs11.lib(path)
    except (p11.PKCS11Error, OSError) as exc:
        raise CertificateError(
            f"Không nạp được thư viện PKCS#11 “{path}” (SODIENTU_PKCS11_MODULE): {exc}. Chưa ký văn bản nào."
        ) from None


def _login(token_label: str, pin: str) -> pkcs11.Session:
    """A session on the token labelled `token_label`, logged in with `pin`."""
    if not token_label:
        raise CertificateError("Hãy nhập tên (nhãn) của USB token.")
    if not pin:
        raise CertificateError("Hãy nhập mã PIN của USB token.")
    lib = _lib(_module())
    try:
        token = lib.get_token(token_label=token_label)
    except p11.NoSuchToken:
        raise CertificateError(
            f"Không tìm thấy USB token “{token_label}”: hãy cắm token vào máy chủ ký số và thử lại "
            "(chưa ký văn bản nào)."
        ) from None
    except p11.MultipleTokensReturned:
        raise CertificateError(
            f"Có nhiều USB token cùng tên “{token_label}” đang cắm vào máy chủ: hãy rút bớt."
        ) from None
    except p11.PKCS11Error as exc:
        raise CertificateError(f"Không đọc được USB token “{token_label}” ({type(exc).__name__}).") from None
    try:
        return token.open(user_pin=pin)
    except p11.PinIncorrect:
        raise CertificateError(WRONG_PIN) from None
    except p11.PinLocked:
        raise CertificateError(
            f"USB token “{token_label}” đã bị khóa do nhập sai mã PIN nhiều lần: hãy liên hệ nhà cung cấp chứng thư "
            "số để mở khóa."
        ) from None
    except (p11.PinLenRange, p11.PinInvalid):
        raise CertificateError(
            "Mã PIN của USB token không hợp lệ (sai độ dài hoặc ký tự): chưa ký văn bản nào."
        ) from None
    except p11.UserAlreadyLoggedIn:
        raise ConflictError(
            f"USB token “{token_label}” đang được dùng cho một lượt ký khác trên máy chủ: hãy đợi lượt ký đó xong "
            "rồi thử lại."
        ) from None
    except p11.PKCS11Error as exc:
        raise CertificateError(
            f"USB token “{token_label}” báo lỗi khi đăng nhập ({type(exc).__name__}): chưa ký văn bản nào."
        ) from None


def _attr(obj: pkcs11.Object, name: Attribute) -> object:
    try:
        return obj[name]
    except (p11.AttributeTypeInvalid, p11.AttributeSensitive, KeyError):
        return None


@dataclass(frozen=True)
class Pair:
    """A signing key on the token and its certificate (paired by CKA_ID, as tokens do)."""

    key_id: bytes | None
    key_label: str | None
    cert: x509.Certificate

    @property
    def name(self) -> str:
        return self.key_label or (self.key_id.hex() if self.key_id else "?")


def _norm(ref: str) -> str:
    return re.sub(r"[\s:]", "", ref).lower()


def _pairs(session: pkcs11.Session) -> tuple[list[Pair], list[x509.Certificate]]:
    """Every signing key that has a certificate with the same ID or label; and every
    certificate on the token (for the chain)."""
    certs: list[tuple[object, object, x509.Certificate]] = []
    for obj in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
        value = _attr(obj, Attribute.VALUE)
        if isinstance(value, bytes):
            try:
                certs.append(
                    (_attr(obj, Attribute.ID), _attr(obj, Attribute.LABEL), x509.load_der_x509_certificate(value))
                )
            except ValueError:
                continue
    pairs = []
    for key in session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.SIGN: True}):
        kid, label = _attr(key, Attribute.ID), _attr(key, Attribute.LABEL)
        kid = kid if isinstance(kid, bytes) and kid else None
        label = label if isinstance(label, str) and label else None
        match = next((c for i, _, c in certs if kid is not None and i == kid), None)
        match = match or next((c for _, lb, c in certs if label is not None and lb == label), None)
        if match is not None:
            pairs.append(Pair(kid, label, match))
    return pairs, [c for _, _, c in certs]


def _choose(pairs: list[Pair], token_label: str, key_ref: str) -> Pair:
    if key_ref:
        ref = _norm(key_ref)
        pairs = [p for p in pairs if p.key_label == key_ref.strip() or (p.key_id and p.key_id.hex() == ref)]
        if not pairs:
            raise CertificateError(f"USB token “{token_label}” không có khóa ký nào có nhãn hoặc ID “{key_ref}”.")
    if not pairs:
        raise CertificateError(f"USB token “{token_label}” không có khóa ký nào kèm chứng thư số.")
    if len(pairs) > 1:
        names = ", ".join(sorted(p.name for p in pairs))
        raise CertificateError(
            f"USB token “{token_label}” có {len(pairs)} khóa ký ({names}): hãy nhập nhãn hoặc ID của khóa cần dùng."
        )
    return pairs[0]


def _chain(leaf: x509.Certificate, others: list[x509.Certificate]) -> list[x509.Certificate]:
    """The issuers of `leaf` that the token also holds (embedded with the signature)."""
    chain: list[x509.Certificate] = []
    current = leaf
    for _ in range(5):
        issuer = next((c for c in others if c.subject == current.issuer and c != current and c not in chain), None)
        if issuer is None:
            break
        chain.append(issuer)
        if issuer.subject == issuer.issuer:
            break
        current = issuer
    return chain


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _prove(signer: PKCS11Signer, cert: x509.Certificate) -> None:
    """The token's key signs a random challenge that the certificate's public key verifies
    (the same mechanism signing uses)."""
    challenge = os.urandom(32)
    try:
        raw = asyncio.run(signer.async_sign_raw(challenge, "sha256"))
    except p11.PKCS11Error as exc:
        raise CertificateError(f"USB token không ký được bằng khóa này ({type(exc).__name__}).") from None
    pub = cert.public_key()
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(raw, challenge, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            pub.verify(raw, challenge, ec.ECDSA(hashes.SHA256()))
        else:
            raise CertificateError("Chỉ hỗ trợ khóa RSA hoặc EC.")
    except InvalidSignature:
        raise CertificateError("Khóa bí mật trên USB token không khớp với chứng thư số trên token.") from None


@dataclass(frozen=True)
class Found:
    """What registering a token certificate stores: where the key is, and the facts."""

    token_label: str
    key_id: str | None  # hex
    key_label: str | None
    facts: CertFacts


def _open(token_label: str, pin: str, key_ref: str, fingerprint: str | None) -> tuple[SigningKey, Found]:
    session = _login(token_label, pin)
    try:
        pairs, certs = _pairs(session)
        pair = _choose(pairs, token_label, key_ref)
        facts = facts_of(pair.cert)
        if fingerprint is not None and facts.fingerprint != fingerprint:
            raise CertificateError(
                f"Chứng thư trên USB token “{token_label}” không phải chứng thư đã đăng ký (token đã được thay hoặc "
                "gia hạn?): hãy đăng ký lại chứng thư trên token. Chưa ký văn bản nào."
            )
        check_validity(facts)
        if not can_sign(pair.cert):
            raise CertificateError("Chứng thư số này không được phép dùng để ký (Key Usage).")
        signer = PKCS11Signer(
            session,
            signing_cert=_asn1(pair.cert),
            ca_chain=[_asn1(c) for c in _chain(pair.cert, certs)],
            key_id=pair.key_id,
            key_label=None if pair.key_id else pair.key_label,
            # ECDSA as the raw mechanism (hash here, sign on the token): what every EC token
            # supports; SoftHSM has no hashing ECDSA mechanism
            use_raw_mechanism=isinstance(pair.cert.public_key(), ec.EllipticCurvePublicKey),
        )
        _prove(signer, pair.cert)
    except BaseException:
        session.close()
        raise
    found = Found(token_label, pair.key_id.hex() if pair.key_id else None, pair.key_label, facts)
    return SigningKey(facts=facts, signer=signer, kind="pkcs11", closer=session.close), found


def read(token_label: str, pin: str, key_ref: str = "") -> Found:
    """Registering: the certificate read from the token, checked, its key proved; the
    session closed again."""
    key, found = _open(token_label.strip(), pin, key_ref.strip(), None)
    key.close()
    return found


@dataclass(frozen=True)
class TokenSource:
    """A registered token certificate: where its key is and which certificate it must be."""

    token_label: str
    key_id: str | None
    key_label: str | None
    fingerprint: str

    def open(self, secret: str) -> SigningKey:
        ref = self.key_id or self.key_label or ""
        return _open(self.token_label, secret, ref, self.fingerprint)[0]
