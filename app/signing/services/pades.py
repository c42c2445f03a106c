"""One PAdES signature on a PDF (pyHanko): an incremental revision, SubFilter
ETSI.CAdES.detached, sha256, a visible box with Vietnamese text in Be Vietnam Pro.

`KeySigner` holds the parsed private key: pyHanko's SimpleSigner re-parses the DER key on
every signature (TOOLCHAIN.md: most of an RSA signature's cost), so a batch opens the
PKCS#12 once and signs every document with the same object. `bytes_reserved` skips the
sizing pass. The seam for a USB token (PKCS#11) later is `signer_for`: any pyHanko
`Signer` (e.g. `pyhanko.sign.pkcs11.PKCS11Signer`) can take KeySigner's place.
"""

from __future__ import annotations

import asyncio
import io
import unicodedata
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import fontpkg_be_vietnam_pro
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko import stamp
from pyhanko.pdf_utils import text as pdf_text
from pyhanko.pdf_utils.font import opentype
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.signing.services.pki import CertificateError, Opened

#: room for the CMS blob: the signature, the chain (2–3 certificates) and a timestamp token
BYTES_RESERVED = 16 * 1024


class KeySigner(signers.SimpleSigner):
    """A SimpleSigner whose private key is parsed once (RSA PKCS#1 v1.5 or ECDSA)."""

    def __init__(self, opened: Opened) -> None:
        der = opened.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        registry = SimpleCertificateStore()
        registry.register_multiple([_asn1(c) for c in opened.chain])
        super().__init__(
            signing_cert=_asn1(opened.cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(der),
            cert_registry=registry,
        )
        self._pyca_key: PrivateKeyTypes = opened.key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        key = self._pyca_key
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hash_algo)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


class UrllibTimeStamper(timestamps.TimeStamper):
    """An RFC 3161 client on the standard library (pyHanko's HTTPTimeStamper needs aiohttp,
    which is not installed): POST the DER request, read the DER response."""

    def __init__(self, url: str, timeout: float = 10) -> None:
        super().__init__()
        self.url, self.timeout = url, timeout

    def _post(self, body: bytes) -> bytes:
        request = urllib.request.Request(  # noqa: S310 (the URL is the operator's configuration)
            self.url, data=body, headers={"Content-Type": "application/timestamp-query"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                return bytes(answer.read())
        except OSError as exc:
            raise CertificateError(f"Không lấy được dấu thời gian từ máy chủ {self.url}: {exc}") from None

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        data = await asyncio.to_thread(self._post, req.dump())
        return tsp.TimeStampResp.load(data)


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def signer_for(opened: Opened) -> signers.Signer:
    return KeySigner(opened)


#: what a stamp can print: Latin, Vietnamese (precomposed letters and the combining marks),
#: punctuation (— “ ” …), ₫ and №
STAMP_UNICODES = (
    (0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20AB, 0x20AB),
    (0x2116, 0x2116),
)  # fmt: skip


@lru_cache(maxsize=1)
def _full_font_bytes() -> bytes:
    return (fontpkg_be_vietnam_pro.ROOT / "files" / "BeVietnamPro-Regular.ttf").read_bytes()


@lru_cache(maxsize=1)
def _font_bytes() -> bytes:
    """Be Vietnam Pro cut down once per process to what a stamp prints (STAMP_UNICODES),
    without its layout tables (GSUB/GPOS/GDEF: pyHanko drops them from the embedded subset
    anyway) or hinting. pyHanko subsets the stamp font on every signature and decompiling
    the full font's layout tables was most of a signature's cost (bench/sign_speed.py);
    stamp text is NFC (`stamp_style`), so every Vietnamese letter is one precomposed glyph."""
    from fontTools import subset, ttLib

    options = subset.Options()
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = ttLib.TTFont(io.BytesIO(_full_font_bytes()))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[u for first, last in STAMP_UNICODES for u in range(first, last + 1)])
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class _FontFactory(opentype.GlyphAccumulatorFactory):
    """pyHanko's factory opens the font file on every signature and never closes it; this
    one reads it once and hands each signature an in-memory copy: the stamp cut
    (`_font_bytes`), or the full font when the text has a character outside it."""

    full: bool = False

    def create_font_engine(self, writer: Any, obj_stream: Any = None) -> opentype.GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        data = _full_font_bytes() if self.full else _font_bytes()
        return opentype.GlyphAccumulator(
            writer=writer, font_handle=io.BytesIO(data), font_size=self.font_size, obj_stream=obj_stream
        )


def _covered(text: str) -> bool:
    return all(ch == "\n" or any(a <= ord(ch) <= b for a, b in STAMP_UNICODES) for ch in text)


def stamp_style(text: str, font_size: int = 7) -> stamp.TextStampStyle:
    text = unicodedata.normalize("NFC", text)
    font = _FontFactory(font_file="BeVietnamPro-Regular.ttf", full=not _covered(text))
    return stamp.TextStampStyle(
        stamp_text=text,
        text_box_style=pdf_text.TextBoxStyle(font=font, font_size=font_size, leading=font_size + 2),
        border_width=0,
        background=None,
    )


@dataclass(frozen=True)
class Placement:
    """Where the visible box goes: page (1-based) and rectangle in points; None = invisible."""

    page: int
    box: tuple[float, float, float, float]


def sign_pdf(
    data: bytes,
    signer: signers.Signer,
    *,
    field_name: str,
    place: Placement | None,
    text: str,
    reason: str,
    location: str = "",
    tsa_url: str | None = None,
) -> bytes:
    """`data` with one more signature (an incremental revision)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location or None,
    )
    spec = fields.SigFieldSpec(
        sig_field_name=field_name,
        on_page=(place.page - 1) if place else 0,
        box=place.box if place else None,  # type: ignore[arg-type]  # floats work: exact under the caption
    )
    extra: dict[str, Any] = {}
    if tsa_url:
        extra["timestamper"] = UrllibTimeStamper(tsa_url)
    pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=stamp_style(text), new_field_spec=spec, **extra)
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out, bytes_reserved=BYTES_RESERVED)
    return out.getvalue()
