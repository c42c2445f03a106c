"""One PAdES signature on a PDF (pyHanko): an incremental revision, SubFilter
ETSI.CAdES.detached, sha256, a visible box with Vietnamese text in Be Vietnam Pro.

`KeySigner` holds the parsed private key: pyHanko's SimpleSigner re-parses the DER key on
every signature (TOOLCHAIN.md: most of an RSA signature's cost), so a batch opens the
PKCS#12 once and signs every document with the same object. `bytes_reserved` skips the
sizing pass. `sign_pdf` takes any pyHanko `Signer`: a KeySigner for a key in memory, or
`pyhanko.sign.pkcs11.PKCS11Signer` for a USB token (services/token.py); both come to it
through the interface of services/keys.py.
"""

from __future__ import annotations

import asyncio
import io
import threading
import unicodedata
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import fontpkg_be_vietnam_pro
from asn1crypto import cms, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko import stamp
from pyhanko.pdf_utils import content as pdf_content
from pyhanko.pdf_utils import layout as pdf_layout
from pyhanko.pdf_utils import text as pdf_text
from pyhanko.pdf_utils.font import opentype
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import attributes, fields, signers, timestamps
from pyhanko.sign.general import as_signing_certificate_v2, get_pyca_cryptography_hash
from pyhanko_certvalidator.registry import SimpleCertificateStore

from app.signing.services.pki import CertificateError, Opened

#: "static": the stamp drawn by reportlab once (stamp_pdf) and imported as a form XObject;
#: "text": pyHanko's TextStampStyle laying the text out with the font cut on every signature
#: (kept for bench/sign_speed.py's comparison)
STAMP_MODE = "static"
#: room for the CMS blob: the signature, the chain (2–3 certificates) and a timestamp token
BYTES_RESERVED = 16 * 1024


#: the SignerInfo fields that depend only on the signer and the digest (KeySigner.signer_info)
_SIGNER_INFO_PARTS = ("sid", "digest_algorithm", "signature_algorithm")


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
        self._signing_certificate_v2: tsp.SigningCertificateV2 | None = None
        self._signer_info_parts: dict[str, dict[str, Any]] = {}

    def _signed_attr_providers(self, *args: Any, **kwargs: Any) -> Any:
        """pyHanko's providers, with the signing-certificate-v2 attribute built once per
        signer: asn1crypto rebuilt it from its parts (the certificate's hash, issuer and
        serial) dozens of times per signature — a third of a signature's time. The value
        is loaded back from its DER, so later dumps reuse the bytes."""
        for provider in super()._signed_attr_providers(*args, **kwargs):
            if isinstance(provider, attributes.SigningCertificateV2Provider):
                yield _FixedAttribute(provider.attribute_type, self._certificate_v2(provider))
            else:
                yield provider

    def _certificate_v2(self, provider: attributes.SigningCertificateV2Provider) -> tsp.SigningCertificateV2:
        if self._signing_certificate_v2 is None:
            built = as_signing_certificate_v2(provider.signing_cert)
            self._signing_certificate_v2 = tsp.SigningCertificateV2.load(built.dump())
        return self._signing_certificate_v2

    def signer_info(self, digest_algorithm: str, signed_attrs: Any, signature: Any) -> cms.SignerInfo:
        """pyHanko's SignerInfo, with the parts that are the same for every signature of one
        signer — the sid (issuer and serial), the digest and signature algorithms — built by
        pyHanko once per digest and loaded back from their DER: asn1crypto re-encoded the
        issuer's name on every signature (≈ 1 ms). Pinned in tests/signing/test_sign_speed.py."""
        if digest_algorithm == "shake256":  # RFC 8419's parameters: pyHanko's own path
            return super().signer_info(digest_algorithm, signed_attrs, signature)
        parts = self._signer_info_parts.get(digest_algorithm)
        if parts is None:
            built = super().signer_info(digest_algorithm, signed_attrs, signature)
            parts = {k: type(built[k]).load(built[k].dump()) for k in _SIGNER_INFO_PARTS}
            self._signer_info_parts[digest_algorithm] = parts
        return cms.SignerInfo({"version": "v1", **parts, "signed_attrs": signed_attrs, "signature": signature})

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        key = self._pyca_key
        if isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), hash_algo)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            return key.sign(data, ec.ECDSA(hash_algo))
        return super().sign_raw(data, digest_algorithm)


class _FixedAttribute(attributes.CMSAttributeProvider):
    """A signed attribute whose value is the same for every signature of one signer."""

    def __init__(self, attribute_type: str, value: Any) -> None:
        self.attribute_type = attribute_type
        self.value = value

    async def build_attr_value(self, dry_run: bool = False) -> Any:
        return self.value


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


@lru_cache(maxsize=64)
def _stamp_reader(data: bytes) -> PdfFileReader:
    """The stamp page parsed once per stamp (reading its font objects was a quarter of a
    signature): pyHanko's import_object deep-copies what it imports into each writer with
    a fresh reference map, so one reader serves every signature (tests/signing pin it)."""
    return PdfFileReader(io.BytesIO(data))


#: a PdfFileReader parses lazily from one stream: one import at a time (batches run on threads)
_STAMP_LOCK = threading.Lock()


class _StampPage(pdf_content.PdfContent):
    """pyHanko's ImportedPdfPage, from bytes in memory instead of a file on disk."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self.data = data

    def render(self) -> bytes:
        with _STAMP_LOCK:
            xobj = self._ensure_writer.import_page_as_xobject(_stamp_reader(self.data), page_ix=0)
        name = "/Stamp"
        self.resources.xobject[name] = xobj
        x1, y1, x2, y2 = xobj.get_object()["/BBox"]
        self.box = pdf_layout.BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
        return name.encode() + b" Do"


@lru_cache(maxsize=64)
def stamp_pdf(text: str, width: float, height: float, font_size: float = 7) -> bytes:
    """The visible stamp drawn once by reportlab as a one-page PDF the size of the box: the
    lines of `text` (NFC) in Be Vietnam Pro, each shrunk to fit the width. reportlab subsets
    the font itself (a few KB, no layout tables); pyHanko then only imports the page as a
    form XObject — no font work per signature. Cached per (text, size): a batch signs with
    the same stamp text within a minute."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    from app.reports.pdf import fonts

    fonts.register()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(width, height), initialFontName=fonts.REGULAR, pageCompression=1)
    canvas.setCreator("Sổ điện tử")
    lines = unicodedata.normalize("NFC", text).split("\n")
    leading, pad = font_size + 2, 2.0
    y = height - pad - font_size
    for line in lines:
        size = font_size
        room = width - 2 * pad
        measured = stringWidth(line, fonts.REGULAR, size)
        if measured > room:
            size = max(4.0, size * room / measured)
        canvas.setFont(fonts.REGULAR, size)
        canvas.drawString(pad, y, line)
        y -= leading
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def static_stamp_style(text: str, width: float, height: float) -> stamp.StaticStampStyle:
    return stamp.StaticStampStyle(background=_StampPage(stamp_pdf(text, width, height)), border_width=0)


def _has_empty_field(writer: IncrementalPdfFileWriter, name: str) -> bool:
    return any(found == name for found, _, _ in fields.enumerate_sig_fields(writer, filled_status=False))


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
    """`data` with one more signature (an incremental revision), in the empty field
    `field_name` when the document has it (placed at issuing: app/reports/pdf/common.py),
    otherwise in a new field at `place` (a document issued before fields were placed)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        location=location or None,
    )
    spec = None
    if not _has_empty_field(writer, field_name):
        spec = fields.SigFieldSpec(
            sig_field_name=field_name,
            on_page=(place.page - 1) if place else 0,
            box=place.box if place else None,  # type: ignore[arg-type]  # floats work: exact under the caption
        )
    extra: dict[str, Any] = {}
    if tsa_url:
        extra["timestamper"] = UrllibTimeStamper(tsa_url)
    if place is not None and STAMP_MODE == "static":
        (x1, y1, x2, y2) = place.box
        style: stamp.BaseStampStyle = static_stamp_style(text, round(abs(x2 - x1), 2), round(abs(y2 - y1), 2))
    else:
        style = stamp_style(text)
    pdf_signer = signers.PdfSigner(meta, signer=signer, stamp_style=style, new_field_spec=spec, **extra)
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out, bytes_reserved=BYTES_RESERVED)
    return out.getvalue()
