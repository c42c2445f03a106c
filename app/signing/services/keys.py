"""The one interface every signature goes through (issue 11: the seam for a USB token).

A `KeySource` is where a registered certificate's key lives; `open(secret)` turns it, with
what the person typed now (a password, a PIN, or nothing for a stored key), into a
`SigningKey`: the certificate's facts (for the validity check, the stamp and the record)
and a pyHanko `Signer`. Services and batches sign only with a SigningKey and close it when
done (one document, or a whole batch): closing drops the parsed key, or logs out of and
closes the token's session. The sources are in services/sources.py (PKCS#12 + password,
the stored encrypted key, the school seal) and services/token.py (PKCS#11).

Pure: no database, no Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from pyhanko.sign import signers

from app.signing.services import pades
from app.signing.services.pki import CertFacts, Opened


@dataclass(eq=False)
class SigningKey:
    """A key in hand: in this process's memory only, never stored or logged."""

    facts: CertFacts
    signer: signers.Signer
    #: "p12", "stored", "pkcs11", "seal": what the audit trail and the messages say
    kind: str
    closer: Callable[[], None] | None = field(default=None, repr=False)
    closed: bool = False

    def close(self) -> None:
        """Release what the key holds (a token session); twice is harmless."""
        if self.closed:
            return
        self.closed = True
        if self.closer is not None:
            self.closer()

    def __enter__(self) -> SigningKey:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:  # never print a key into a log line
        return f"SigningKey({self.kind}, {self.facts.fingerprint[:16]}…)"


class KeySource(Protocol):
    """Where one certificate's key lives."""

    def open(self, secret: str) -> SigningKey:
        """The key, opened with what the person typed now (CertificateError 422 when it
        cannot be: wrong password or PIN, missing token, expired certificate…)."""
        ...


def from_opened(opened: Opened, kind: str) -> SigningKey:
    """A key parsed in memory (a PKCS#12 or the stored key): pades.KeySigner parses it once,
    so a batch pays the RSA parse once (TOOLCHAIN.md)."""
    return SigningKey(facts=opened.facts, signer=pades.signer_for(opened), kind=kind)
