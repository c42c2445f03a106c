"""Public verification of an issued document: /verify/<code> and an uploaded PDF.

What the public page may say (DOMAIN.md R19–R24, issue 11 §4): that a document with the
code was issued, its kind and period, the class and the student's *initials* only, when,
by whom (name and role), and its status. Never the full name, never a score: `facts()`
builds a `PublicFacts` of exactly those fields, and the template sees nothing else.

An uploaded PDF is checked in two independent ways:
- its sha256 against the hashes the school knows for that code (`known_hashes`: the
  issued file today; the signed revisions once the signing tables exist);
- every embedded signature validated with pyHanko against SODIENTU_TRUST_ROOTS: intact
  (the digest over the ByteRange matches), valid (the signature matches the certificate),
  trusted (the certificate chains to a configured root), coverage (the whole file, or the
  whole revision with only signature/form-filling updates after it); the signer's name
  and signing time; a test certificate ("THỬ NGHIỆM" in CN or O) said plainly.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core.vn import format_date, format_datetime, to_local
from app.extensions import db
from app.reports.models import KIND_LABELS, IssuedDocument
from app.results.queries import PERIOD_LABELS
from app.school.models import SchoolClass
from app.signing import queries
from app.signing.models import REVOKE_REASONS

#: the code as issuing makes it (app.reports.services.issuing.CODE_ALPHABET)
CODE_RE = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")
TEST_MARKER = "THỬ NGHIỆM"
STATUS_LABELS = {
    "valid": "Còn hiệu lực",
    "superseded": "Đã được thay thế bằng bản mới hơn",
    "revoked": "Đã thu hồi",
}


# ---------------------------------------------------------------------------- the document


def normalise_code(raw: str) -> str | None:
    """ "7kq4 m2xd", "7KQ4M2XD", " 7KQ4-M2XD " → "7KQ4-M2XD"; None when it cannot be a code."""
    text = re.sub(r"[\s\-–_.]", "", (raw or "").upper())
    code = f"{text[:4]}-{text[4:]}" if len(text) == 8 else text
    return code if CODE_RE.fullmatch(code) else None


def document_by_code(code: str) -> IssuedDocument | None:
    """The issued document with this code (with what the public page shows), or None."""
    stmt = (
        select(IssuedDocument)
        .where(IssuedDocument.code == code)
        .options(
            joinedload(IssuedDocument.student),
            joinedload(IssuedDocument.school_class).joinedload(SchoolClass.year),
            joinedload(IssuedDocument.issued_by),
        )
    )
    return db.session.scalars(stmt).first()


def newest_code(document: IssuedDocument) -> str | None:
    """The code of the newest document in the chain that superseded this one."""
    seen, current, newest = {document.id}, document.superseded_by_id, None
    while current is not None and current not in seen:
        seen.add(current)
        row = db.session.execute(
            select(IssuedDocument.code, IssuedDocument.superseded_by_id).where(IssuedDocument.id == current)
        ).first()
        if row is None:
            break
        newest, current = row[0], row[1]
    return newest


def initials(full_name: str) -> str:
    """ "Nguyễn Thị Ngọc Ánh" → "N.T.N.Á" (each word's first letter, NFC, upper case)."""
    words = unicodedata.normalize("NFC", full_name or "").split()
    return ".".join(w[0].upper() for w in words if w[0].isalpha()) or "—"


@dataclass(frozen=True)
class PublicFacts:
    """Everything /verify/<code> shows — by construction no full name and no score."""

    code: str
    kind: str
    period: str
    class_name: str
    initials: str | None  # None: a class's document (sổ theo dõi)
    issued_at: str
    issuer: str
    issuer_role: str
    status: str
    status_label: str
    newer_code: str | None
    revoked_on: str | None = None  # "dd/mm/yyyy" when revoked
    revoke_reason: str | None = None  # the reason's label (never the BGH's note)


def period_label(document: IssuedDocument) -> str:
    """ "Học kỳ I · năm học 2024-2025", "Tháng 10/2024 · năm học 2024-2025", or for a học bạ
    "Các năm học đến hết năm học 2024-2025"."""
    year = document.school_class.year.name
    if document.kind == "hoc_ba":
        return f"Các năm học đến hết năm học {year}"
    if document.period == "month" and "-" in document.period_ref:
        y, m = document.period_ref.split("-", 1)
        label = f"Tháng {int(m)}/{y}" if m.isdigit() else f"Tháng {document.period_ref}"
    else:
        label = PERIOD_LABELS.get(document.period, document.period)
    return f"{label} · năm học {year}"


def facts(document: IssuedDocument) -> PublicFacts:
    issuer = document.issued_by
    status = document.status if document.status in STATUS_LABELS else "valid"
    return PublicFacts(
        code=document.code,
        kind=KIND_LABELS[document.kind],
        period=period_label(document),
        class_name=document.school_class.name,
        initials=initials(document.student.full_name) if document.student else None,
        issued_at=format_datetime(document.issued_at),
        issuer=issuer.full_name if issuer else "—",
        issuer_role=issuer.role_labels if issuer else "",
        status=status,
        status_label=STATUS_LABELS[status],
        newer_code=newest_code(document) if status == "superseded" else None,
        revoked_on=format_date(to_local(document.revoked_at)) if status == "revoked" and document.revoked_at else None,
        revoke_reason=REVOKE_REASONS.get(document.revoke_reason or "") if status == "revoked" else None,
    )


def lookup(raw_code: str) -> tuple[IssuedDocument | None, PublicFacts | None]:
    """(document, its public facts) for a typed code, or (None, None). Unknown and
    malformed codes do the same query, so their answers take the same time."""
    code = normalise_code(raw_code) or "0000-0000"
    document = document_by_code(code)
    return document, facts(document) if document is not None else None


def known_hashes(document: IssuedDocument) -> list[str]:
    """The sha256 of every file the school handed out under this code: the issued file,
    each signed revision (one per signature, app/signing's document_signature) and each
    copy delivered to a family (app/signing/services/copies.py)."""
    signed = [s.sha256 for s in queries.signatures_of(document.id)]
    return [document.sha256, *signed, *(PARENT_COPY_PREFIX + h for h in queries.delivered_hashes(document.id))]


#: marks a known hash as a family's copy (the issued file + one annotation: the line
#: "Cấp cho phụ huynh của …"); its signatures are validated on its issued part
PARENT_COPY_PREFIX = "phu-huynh:"


# ---------------------------------------------------------------------------- the upload


class NotAPdf(ValueError):
    """The upload is not a PDF (422)."""


@dataclass(frozen=True)
class SignatureCheck:
    """One embedded signature, as pyHanko judged it."""

    field: str
    signer: str
    signed_at: str
    intact: bool
    valid: bool
    trusted: bool
    covers: bool  # the whole file, or its revision with only signing/form updates after it
    test_certificate: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class UploadVerdict:
    """What the upload check found; `genuine` is the bottom line."""

    sha256: str
    matches: bool
    signatures: list[SignatureCheck] = field(default_factory=list)
    parent_copy: bool = False  # the copy delivered to a family (issued file + the line)
    unreadable: str | None = None  # the PDF could not be parsed for signatures

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def genuine(self) -> bool:
        return self.matches and all(s.ok for s in self.signatures)

    @property
    def test_certificate(self) -> bool:
        return any(s.test_certificate for s in self.signatures)

    @property
    def headline(self) -> str:
        if not self.genuine:
            return "KHÔNG HỢP LỆ"
        return "HỢP LỆ" if self.signed else "KHỚP"

    @property
    def summary(self) -> str:
        if not self.matches:
            return (
                "KHÔNG KHỚP với bản đã phát hành: tệp này đã bị thay đổi (dù chỉ một byte, hay một trang bị "
                "thay) hoặc là một tệp khác. Đừng tin nội dung của nó; hãy hỏi nhà trường bản gốc."
            )
        if self.parent_copy:
            return self._parent_summary()
        if not self.signed:
            return "Tệp khớp với bản đã phát hành, chưa có chữ ký số."
        if not self.genuine:
            return "Tệp khớp với bản đã phát hành, nhưng có chữ ký số KHÔNG HỢP LỆ (xem chi tiết bên dưới)."
        return "Tệp khớp với bản đã phát hành và mọi chữ ký số đều hợp lệ."

    def _parent_summary(self) -> str:
        copy = (
            "Tệp là bản cấp cho phụ huynh của văn bản đã phát hành: đúng từng byte của bản đã phát hành, "
            "chỉ thêm dòng ghi chú “Cấp cho phụ huynh của …”"
        )
        if not self.signed:
            return copy + "; chưa có chữ ký số."
        if not self.genuine:
            return copy + "; nhưng có chữ ký số KHÔNG HỢP LỆ (xem chi tiết bên dưới)."
        return copy + "; mọi chữ ký số đều hợp lệ."


def check_pdf_bytes(data: bytes) -> None:
    """Raise NotAPdf unless `data` looks like a PDF (the header within the first 1 KiB)."""
    if b"%PDF-" not in data[:1024]:
        raise NotAPdf("Tệp tải lên không phải là tệp PDF. Hãy chọn đúng tệp PDF đã nhận từ nhà trường.")


def verify_upload(document: IssuedDocument, data: bytes, known: Sequence[str] | None = None) -> UploadVerdict:
    """Check an uploaded PDF against the document: sha256 against `known` (default
    `known_hashes(document)`; the signing helper adds signed revisions) and every
    embedded signature against the trust roots."""
    check_pdf_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    hashes = list(known) if known is not None else known_hashes(document)
    copy = PARENT_COPY_PREFIX + digest in hashes
    verdict = UploadVerdict(sha256=digest, matches=copy or digest in hashes, parent_copy=copy)
    signed_part = issued_part(data, hashes) if copy else data
    if signed_part is None:  # a recorded copy whose first bytes are no issued file: never genuine
        verdict.matches, verdict.parent_copy = False, False
        signed_part = data
    try:
        verdict.signatures = validate_signatures(signed_part, trust_roots())
    except Exception as exc:  # noqa: BLE001  (a broken file is a verdict, not a crash)
        verdict.unreadable = f"Không đọc được cấu trúc tệp PDF để kiểm tra chữ ký ({type(exc).__name__})."
    return verdict


# ---------------------------------------------------------------------------- signatures


def trust_roots() -> list[Any]:
    """The CA certificates of SODIENTU_TRUST_ROOTS (PEM/DER paths separated by os.pathsep)."""
    from pyhanko.keys import load_certs_from_pemder

    paths = [p for p in str(current_app.config.get("SODIENTU_TRUST_ROOTS") or "").split(os.pathsep) if p]
    existing = [p for p in paths if os.path.isfile(p)]
    return list(load_certs_from_pemder(existing)) if existing else []


def _name_of(cert: Any) -> str:
    names = cert.subject.native
    return str(names.get("common_name") or names.get("organization_name") or cert.subject.human_friendly)


def is_test_certificate(cert: Any) -> bool:
    names = cert.subject.native
    marked = " ".join(str(names.get(k) or "") for k in ("common_name", "organization_name"))
    return TEST_MARKER in unicodedata.normalize("NFC", marked).upper()


def issued_part(data: bytes, hashes: Sequence[str]) -> bytes | None:
    """A family's copy is a file the school issued (or signed) followed by one incremental
    update (the line "Cấp cho phụ huynh…"): those first bytes, when their sha256 is one the
    school knows, else None. pyHanko judges an annotation added after a signature as an
    unexplained change, so the signatures are validated on the issued part — byte for byte
    the signed file — while the whole copy is known by its own recorded sha256."""
    end = data.rstrip(b"\r\n")
    last = end.rfind(b"%%EOF", 0, len(end) - 5)
    if last < 0:
        return None
    cut = last + 5
    for tail in (b"\r\n", b"\n", b"\r", b""):
        candidate = data[:cut] + tail
        if data.startswith(candidate) and hashlib.sha256(candidate).hexdigest() in hashes:
            return candidate
    return None


def validate_signatures(data: bytes, roots: Sequence[Any]) -> list[SignatureCheck]:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    checks = []
    for sig in reader.embedded_signatures:
        context = ValidationContext(trust_roots=list(roots), allow_fetching=False)
        try:
            status = validate_pdf_signature(sig, context)
        except Exception as exc:  # noqa: BLE001
            checks.append(_broken(sig.field_name, exc))
            continue
        checks.append(_judged(sig.field_name, status))
    return checks


def _broken(name: str, exc: Exception) -> SignatureCheck:
    problem = f"không kiểm tra được chữ ký: tệp hoặc chữ ký bị hỏng ({type(exc).__name__})"
    return SignatureCheck(name, "—", "—", False, False, False, False, False, (problem,))


def _judged(name: str, status: Any) -> SignatureCheck:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    coverage, level = status.coverage, status.modification_level
    covers = coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and level is not None
        and level <= ModificationLevel.FORM_FILLING
        and status.docmdp_ok is not False
    )
    cert = status.signing_cert
    test = is_test_certificate(cert)
    problems = []
    if not status.intact:
        problems.append("nội dung đã bị sửa sau khi ký (mã băm của phần được ký không còn khớp)")
    elif not status.valid:
        problems.append("chữ ký không khớp với chứng thư số của người ký")
    if not status.trusted:
        problems.append("chứng thư số không thuộc tổ chức chứng thực mà nhà trường tin cậy")
    if not covers:
        problems.append("có nội dung được thêm hoặc sửa sau khi ký (chữ ký không bao trùm toàn bộ tệp)")
    when: datetime | None = status.signer_reported_dt
    return SignatureCheck(
        field=name,
        signer=_name_of(cert),
        signed_at=format_datetime(when) if when else "—",
        intact=bool(status.intact),
        valid=bool(status.valid),
        trusted=bool(status.trusted),
        covers=covers,
        test_certificate=test,
        problems=tuple(problems),
    )


# ---------------------------------------------------------------------------- the upload form
# (here rather than in app/signing/forms.py, which the certificates/signing work owns; the
# lead may move it there on merge)


def upload_form() -> Any:
    from flask_wtf import FlaskForm
    from flask_wtf.file import FileField, FileRequired

    class VerifyUploadForm(FlaskForm):
        pdf = FileField("Tệp PDF cần kiểm tra", validators=[FileRequired("Hãy chọn tệp PDF cần kiểm tra.")])

    return VerifyUploadForm()


def max_upload_bytes() -> int:
    return int(current_app.config["SODIENTU_VERIFY_MAX_MB"]) * 1024 * 1024


def read_upload(storage: Any) -> bytes:
    """The uploaded file's bytes, at most the limit (TooLarge beyond it)."""
    limit = max_upload_bytes()
    data: bytes = storage.stream.read(limit + 1)
    if len(data) > limit:
        size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
        raise TooLarge(f"Tệp quá lớn: tối đa {size}.")
    return data


class TooLarge(ValueError):
    """The upload is over SODIENTU_VERIFY_MAX_MB (413)."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
