"""Which `KeySource` a registered certificate's key comes from, and opening the key a
signature needs (services/keys.py is the interface):

- `Pkcs12Source`: the uploaded PKCS#12, opened with the password typed now;
- `StoredKeySource`: the school's opt-in, the key kept encrypted on the server (keystore);
- `token.TokenSource`: a USB token (PKCS#11), opened with the PIN typed now;
- `open_seal()`: the school's seal, a PKCS#12 from configuration.

`open_own` is the only way a person's key is opened — one document (services.signing) or
a batch (services.batch) — and it refuses (422) before anything is signed when the
certificate is missing, expired or not the registered one, or the secret is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.models import User
from app.core.authz import deny
from app.signing import queries
from app.signing.models import SigningCertificate
from app.signing.services import certificates, keystore, token
from app.signing.services.keys import KeySource, SigningKey, from_opened
from app.signing.services.pki import CertificateError, check_validity, open_p12

NO_CERTIFICATE = "Bạn chưa đăng ký chứng thư số: hãy đăng ký ở trang Chứng thư số trước khi ký."


@dataclass(frozen=True)
class Pkcs12Source:
    """An uploaded PKCS#12, still encrypted by its owner's password."""

    data: bytes

    def open(self, secret: str) -> SigningKey:
        if not secret:
            raise CertificateError("Hãy nhập mật khẩu của chứng thư số.")
        return from_opened(open_p12(self.data, secret), "p12")


@dataclass(frozen=True)
class StoredKeySource:
    """The key stored encrypted under the server's key (the school's opt-in): no secret."""

    cert: SigningCertificate

    def open(self, secret: str) -> SigningKey:
        return from_opened(keystore.open_stored(self.cert), "stored")


def source_for(cert: SigningCertificate, secret: str) -> KeySource:
    """Where `cert`'s key is: the token; the stored key when nothing was typed and one is
    stored; else the PKCS#12 and the password typed."""
    if cert.on_token:
        assert cert.token_label is not None  # the registration stores it
        return token.TokenSource(cert.token_label, cert.key_id, cert.key_label, cert.fingerprint)
    if not secret and cert.sealed_key is not None:
        return StoredKeySource(cert)
    if cert.p12 is None:
        raise CertificateError("Chứng thư số này không còn tệp khóa: hãy đăng ký lại.")
    return Pkcs12Source(cert.p12)


def open_own(actor: User, secret: str) -> SigningKey:
    """The actor's own active certificate's key, opened with what they typed now (a
    password, a PIN, or nothing for a stored key); valid today and the registered one."""
    cert = queries.active_certificate(actor)
    if cert is None:
        raise CertificateError(NO_CERTIFICATE)
    if cert.owner_id != actor.id:
        deny("signing.certificate", "signing_certificate", cert.id)
    key = source_for(cert, secret).open(secret)
    try:
        check_validity(key.facts)
        if key.facts.fingerprint != cert.fingerprint:
            raise CertificateError("Khóa mở được không thuộc chứng thư đã đăng ký: hãy đăng ký lại chứng thư số.")
    except BaseException:
        key.close()
        raise
    return key


def open_seal() -> SigningKey:
    """The school's seal (PKCS#12 from configuration), valid today."""
    key = from_opened(certificates.open_seal(), "seal")
    check_validity(key.facts)
    return key


__all__ = ["KeySource", "Pkcs12Source", "SigningKey", "StoredKeySource", "open_own", "open_seal", "source_for"]
