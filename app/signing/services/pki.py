"""Certificates as files: opening a PKCS#12 with its password and checking it can sign,
and a throwaway test PKI (`flask signing make-test-certs`, the tests).

Pure: no database, no Flask. Every refusal is a `CertificateError` (422) with a sentence
the person can act on; nothing here keeps a password.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from app.core.errors import DomainError

#: written into the O of every test certificate, shown wherever the certificate is
TEST_MARK = "CHỨNG THƯ THỬ NGHIỆM — không có giá trị pháp lý"
MAX_P12_BYTES = 64 * 1024


class CertificateError(DomainError):
    status = 422


@dataclass(frozen=True)
class CertFacts:
    """What is recorded of a certificate (never its key or password)."""

    subject: str
    common_name: str
    issuer: str
    serial: str
    fingerprint: str  # sha256 of the DER certificate, hex
    not_before: datetime
    not_after: datetime
    key_type: str  # "RSA-2048", "EC P-256"
    is_test: bool


@dataclass(frozen=True)
class Opened:
    key: PrivateKeyTypes
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    facts: CertFacts


def _key_type(cert: x509.Certificate) -> str:
    pub = cert.public_key()
    if isinstance(pub, rsa.RSAPublicKey):
        return f"RSA-{pub.key_size}"
    if isinstance(pub, ec.EllipticCurvePublicKey):
        return {"secp256r1": "EC P-256", "secp384r1": "EC P-384"}.get(pub.curve.name, f"EC {pub.curve.name}")
    return type(pub).__name__


def facts_of(cert: x509.Certificate) -> CertFacts:
    cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    return CertFacts(
        subject=subject[:400],
        common_name=str(cns[0].value)[:200] if cns else subject[:200],
        issuer=issuer[:400],
        serial=format(cert.serial_number, "X"),
        fingerprint=cert.fingerprint(hashes.SHA256()).hex(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        key_type=_key_type(cert),
        is_test=TEST_MARK in subject or TEST_MARK in issuer,
    )


def _same_key(key: PrivateKeyTypes, cert: x509.Certificate) -> bool:
    fmt = serialization.PublicFormat.SubjectPublicKeyInfo
    enc = serialization.Encoding.DER
    return bool(key.public_key().public_bytes(enc, fmt) == cert.public_key().public_bytes(enc, fmt))


def can_sign(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True  # no restriction
    return bool(usage.digital_signature or usage.content_commitment)


def check_validity(facts: CertFacts, now: datetime | None = None) -> None:
    now = now or datetime.now(UTC)
    if facts.not_after <= now:
        raise CertificateError(f"Chứng thư số đã hết hạn ngày {facts.not_after:%d/%m/%Y}; hãy đăng ký chứng thư mới.")
    if facts.not_before > now:
        raise CertificateError(f"Chứng thư số chỉ có hiệu lực từ ngày {facts.not_before:%d/%m/%Y}.")


def open_p12(data: bytes, password: str, *, now: datetime | None = None) -> Opened:
    """Open and check a PKCS#12: the password opens it, it holds a key and its certificate,
    they match, the certificate is valid now and allows signing."""
    if not data:
        raise CertificateError("Hãy chọn tệp chứng thư số (.p12 hoặc .pfx).")
    if len(data) > MAX_P12_BYTES:
        raise CertificateError("Tệp chứng thư số quá lớn: đây không phải tệp .p12/.pfx.")
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(data, password.encode("utf-8") if password else None)
    except ValueError as exc:
        text = str(exc).lower()
        if "password" in text or "mac" in text or "decrypt" in text:
            raise CertificateError("Mật khẩu chứng thư số không đúng.") from None
        raise CertificateError("Tệp không phải chứng thư số PKCS#12 (.p12/.pfx) hợp lệ.") from None
    except Exception:  # noqa: BLE001 (any parse failure is the same answer to the person)
        raise CertificateError("Tệp không phải chứng thư số PKCS#12 (.p12/.pfx) hợp lệ.") from None
    if key is None or cert is None:
        raise CertificateError("Tệp chứng thư số không chứa khóa bí mật và chứng thư đi kèm.")
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise CertificateError("Chỉ hỗ trợ khóa RSA hoặc EC.")
    if not _same_key(key, cert):
        raise CertificateError("Khóa bí mật không khớp với chứng thư trong tệp.")
    facts = facts_of(cert)
    check_validity(facts, now)
    if not can_sign(cert):
        raise CertificateError("Chứng thư số này không được phép dùng để ký (Key Usage).")
    return Opened(key, cert, tuple(extra or ()), facts)


# ---------------------------------------------------------------------------- test PKI


def new_key(kind: str = "rsa") -> PrivateKeyTypes:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, TEST_MARK),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


@dataclass(frozen=True)
class Issued:
    key: PrivateKeyTypes
    cert: x509.Certificate


def make_ca(org: str, *, kind: str = "rsa", days: int = 3650) -> Issued:
    key = new_key(kind)
    name = _name(f"CA THỬ NGHIỆM {org}"[:64], org[:64])
    now = datetime.now(UTC) - timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)  # type: ignore[arg-type]
        .sign(key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return Issued(key, cert)


def _usage(*, ca: bool = False, sign: bool = True) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign and not ca,
        content_commitment=sign and not ca,
        key_encipherment=not sign,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def make_cert(
    ca: Issued,
    cn: str,
    org: str,
    *,
    kind: str = "rsa",
    not_before: datetime | None = None,
    not_after: datetime | None = None,
    can_sign: bool = True,
) -> Issued:
    """A signing certificate for `cn` issued by the test CA (RSA-2048 or EC P-256)."""
    key = new_key(kind)
    start = not_before or datetime.now(UTC) - timedelta(minutes=5)
    end = not_after or start + timedelta(days=730)
    ca_ski = ca.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn[:64], org[:64]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=can_sign), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca.key, hashes.SHA256())  # type: ignore[arg-type]
    )
    return Issued(key, cert)


def to_p12(item: Issued, ca: Issued, password: str, friendly: str = "") -> bytes:
    return pkcs12.serialize_key_and_certificates(
        (friendly or "sodientu").encode("utf-8"),
        item.key,  # type: ignore[arg-type]
        item.cert,
        [ca.cert],
        serialization.BestAvailableEncryption(password.encode("utf-8")),
    )


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()
