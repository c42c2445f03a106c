"""Content check of one uploaded file: is it really a PDF, DOCX, XLSX or PPTX, and safe?

Standalone on purpose (stdlib + pypdf + defusedxml, no app import): uploads.py runs it
as `python -I filecheck.py` in a child process with resource limits and a timeout,
the file on stdin, the verdict as one JSON line on stdout (SECURITY.md B4, tests 30–31).
It can also be imported and called in-process (`check(fileobj)`), e.g. by unit tests.

Bounded work whatever the input says:
- ZIP: the end-of-central-directory record is read first, so an archive announcing
  100 000 entries (or a huge directory) is refused before any parsing; every member is
  inflated by our own loop with a byte counter and a ratio check against the compressed
  bytes actually consumed (ZipInfo.file_size is never used), never extracted to disk;
  nested archives, symlinks, absolute or ../ names, encryption and macros are refused;
  [Content_Types].xml is parsed with defusedxml (no DTD), the main part's root element
  with expat refusing any DOCTYPE.
- PDF: must start with %PDF-; pypdf (strict=False) must open it within a page limit;
  /JavaScript, /JS, /Launch, /EmbeddedFile(s) and /RichMedia are refused, both in the
  raw bytes (incl. #xx-escaped names) and in every object pypdf resolves.
"""

from __future__ import annotations

import io
import json
import re
import struct
import sys
import zipfile
import zlib
from typing import BinaryIO

MAX_ENTRIES = 2000
MAX_CENTRAL_DIRECTORY = 1024 * 1024  # 2000 entries × ~500 bytes of names
MAX_INFLATED_TOTAL = 100 * 1024 * 1024
MAX_RATIO = 200  # inflated / compressed, checked once a member passes RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024
MAX_CONTENT_TYPES = 1024 * 1024
MAX_PDF_PAGES = 2000
MAX_PDF_OBJECTS = 200_000
CHUNK = 64 * 1024
PREFIX = 64 * 1024  # bytes of each XML member searched for a DOCTYPE

MIME = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": ("docx", "document"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": ("xlsx", "workbook"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": ("pptx", "presentation"),
}
ACCEPTED = "Chỉ nhận tệp PDF, Word (.docx), Excel (.xlsx) hoặc PowerPoint (.pptx)."
MACRO = (
    "Tệp có chứa macro (VBA) không được nhận. Hãy lưu lại thành .docx, .xlsx, .pptx (không macro) hoặc PDF rồi tải lên."
)
ARCHIVES = (
    ".zip",
    ".jar",
    ".rar",
    ".7z",
    ".gz",
    ".tgz",
    ".tar",
    ".bz2",
    ".xz",
    ".cab",
    ".iso",
    ".apk",
    ".docm",
    ".xlsm",
    ".pptm",
    ".dotm",
    ".xltm",
    ".potm",
)
#: Office keeps embedded charts/sheets as whole packages here; we never open them
OFFICE_EMBEDDING = re.compile(r"^(word|xl|ppt)/embeddings/[^/]+\.(xlsx|docx|pptx)$", re.I)
PDF_ACTIVE = {b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"EmbeddedFiles", b"RichMedia"}
PDF_ACTIVE_NAMES = {"/" + n.decode() for n in PDF_ACTIVE}
PDF_ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"}
_PDF_LITERAL = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia)(?![A-Za-z0-9])")
_PDF_ESCAPED = re.compile(rb"/[A-Za-z0-9#]*#[0-9A-Fa-f]{2}[A-Za-z0-9#]*")


class Rejected(Exception):
    def __init__(self, status: int, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason  # a code for callers that word it their own way (core.xlsx)


def check(fh: BinaryIO) -> tuple[str, str]:
    """(kind, mime) of a seekable binary file, or raise Rejected(status, Vietnamese message)."""
    fh.seek(0)
    head = fh.read(8)
    fh.seek(0)
    if not head:
        raise Rejected(422, "Tệp rỗng (0 byte). Hãy chọn đúng tệp cần nộp.")
    if head.startswith(b"%PDF-"):
        return _check_pdf(fh)
    if head.startswith(b"PK\x03\x04"):
        return _check_ooxml(fh)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise Rejected(
            415,
            "Tệp Word/Excel/PowerPoint định dạng cũ (.doc, .xls, .ppt) không được "
            "nhận. Hãy lưu lại thành .docx, .xlsx, .pptx hoặc PDF rồi tải lên.",
        )
    if head.startswith((b"MZ", b"\x7fELF", b"#!")):
        raise Rejected(415, "Tệp chương trình không được phép tải lên. " + ACCEPTED)
    raise Rejected(415, "Nội dung tệp không phải PDF hay tài liệu Office. " + ACCEPTED)


# --- ZIP / Office Open XML --------------------------------------------------------------


def _check_ooxml(fh: BinaryIO) -> tuple[str, str]:
    import zipfile

    size = fh.seek(0, io.SEEK_END)
    _check_directory_size(fh, size)
    fh.seek(0)
    try:
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise Rejected(422, "Tệp Office bị hỏng (không đọc được cấu trúc nén).") from exc
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise Rejected(422, f"Tệp có quá nhiều thành phần ({len(infos)}); tối đa {MAX_ENTRIES}.")
    members = {}
    for info in infos:
        _check_member_header(info)
        key = info.filename.lower()
        if key in members:
            raise Rejected(422, "Tệp Office bị hỏng: có hai thành phần trùng tên.")
        members[key] = info
    if any(k.endswith("vbaproject.bin") or k.endswith("vbadata.xml") for k in members):
        raise Rejected(415, MACRO)
    ct_info = members.get("[content_types].xml")
    if ct_info is None:
        raise Rejected(415, "Tệp nén này không phải tài liệu Office. " + ACCEPTED)
    budget = _Budget()
    raw_types = _inflate(fh, size, ct_info, budget, keep=MAX_CONTENT_TYPES)
    content_types = _parse_content_types(raw_types)
    kind, root, part = _main_part(content_types, members)
    prefix = b""
    for info in infos:
        if info.is_dir():
            continue
        data = _inflate(fh, size, info, budget, keep=PREFIX)
        name = info.filename.lower()
        if data.startswith(b"PK\x03\x04") and not OFFICE_EMBEDDING.match(info.filename):
            raise Rejected(422, "Tệp chứa một tệp nén lồng bên trong; không được nhận.")
        if name.endswith((".xml", ".rels", ".vml")) and _has_doctype(data):
            raise Rejected(
                422, "Tệp chứa khai báo DTD/ENTITY trong XML (dấu hiệu tấn công 'billion laughs'); không được nhận."
            )
        if name == part:
            prefix = data
    _check_root(prefix, root)
    return kind, MIME[kind]


def _check_directory_size(fh: BinaryIO, size: int, max_entries: int | None = None) -> None:
    """Read the end-of-central-directory record before letting zipfile parse anything."""
    tail_len = min(size, 22 + 65535 + 20 + 56)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        raise Rejected(422, "Tệp Office bị hỏng (thiếu mục lục của tệp nén).")
    max_entries = MAX_ENTRIES if max_entries is None else max_entries
    entries, cd_size = struct.unpack("<HI", tail[pos + 10 : pos + 16])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        loc = pos - 20
        if loc < 0 or tail[loc : loc + 4] != b"PK\x06\x07":
            raise Rejected(422, "Tệp Office bị hỏng (mục lục ZIP64 không hợp lệ).")
        (offset,) = struct.unpack("<Q", tail[loc + 8 : loc + 16])
        if offset > size - 56:
            raise Rejected(422, "Tệp Office bị hỏng (mục lục ZIP64 không hợp lệ).")
        fh.seek(offset)
        record = fh.read(56)
        if record[:4] != b"PK\x06\x06":
            raise Rejected(422, "Tệp Office bị hỏng (mục lục ZIP64 không hợp lệ).")
        entries, cd_size = struct.unpack("<QQ", record[32:48])
    if entries > max_entries:
        raise Rejected(422, f"Tệp có quá nhiều thành phần ({entries}); tối đa {max_entries}.", "entries")
    if cd_size > MAX_CENTRAL_DIRECTORY or cd_size > size:
        raise Rejected(422, "Tệp Office có mục lục bất thường (quá lớn); không được nhận.", "entries")


def _check_member_header(info: zipfile.ZipInfo) -> None:
    import zipfile

    name = info.filename
    parts = name.replace("\\", "/").split("/")
    if (
        not name
        or "\\" in name
        or name.startswith("/")
        or "\x00" in name
        or ":" in parts[0]
        or any(p in ("..", ".") for p in parts)
    ):
        raise Rejected(422, "Tệp nén chứa đường dẫn không an toàn (ví dụ ../); không được nhận.")
    if (info.external_attr >> 16) & 0o170000 == 0o120000:
        raise Rejected(422, "Tệp nén chứa liên kết tượng trưng (symlink); không được nhận.")
    if info.flag_bits & 0x1:
        raise Rejected(415, "Tệp được đặt mật khẩu. Hãy gỡ mật khẩu rồi tải lên lại.")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise Rejected(422, "Tệp Office dùng kiểu nén không được hỗ trợ.")
    if name.lower().endswith(ARCHIVES):
        raise Rejected(422, "Tệp chứa một tệp nén lồng bên trong; không được nhận.")


class _Budget:
    def __init__(self, limit: int | None = None) -> None:
        self.inflated = 0
        self.limit = MAX_INFLATED_TOTAL if limit is None else limit

    def spend(self, n: int) -> None:
        self.inflated += n
        if self.inflated > self.limit:
            raise Rejected(
                413,
                f"Nội dung tệp sau khi giải nén vượt quá {_size_text(self.limit)} (dấu hiệu 'bom nén'); "
                "không được nhận.",
                "inflated",
            )


def _size_text(n: int) -> str:
    return f"{n // 2**20} MB" if n >= 2**20 else f"{max(1, n // 1024)} KB"


def _inflate(fh: BinaryIO, size: int, info: zipfile.ZipInfo, budget: _Budget, keep: int) -> bytes:
    """Inflate one member with our own counter; return its first `keep` bytes."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise Rejected(422, "Tệp Office bị hỏng (thành phần không đọc được).")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    remaining = min(info.compress_size, max(0, size - start))
    fh.seek(start)
    inflater = zlib.decompressobj(-15) if info.compress_type == 8 else None
    crc, produced, consumed, kept = 0, 0, 0, bytearray()

    def take(out: bytes) -> None:
        nonlocal crc, produced
        produced += len(out)
        budget.spend(len(out))
        if produced > RATIO_FLOOR and produced > MAX_RATIO * max(consumed, 1):
            raise Rejected(413, "Tệp có tỉ lệ nén bất thường (dấu hiệu 'bom nén'); không được nhận.", "inflated")
        crc = zlib.crc32(out, crc)
        if len(kept) < keep:
            kept.extend(out[: keep - len(kept)])

    try:
        while remaining > 0:
            chunk = fh.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            consumed += len(chunk)
            if inflater is None:
                take(chunk)
                continue
            data = chunk
            while data:
                take(inflater.decompress(data, CHUNK))
                data = inflater.unconsumed_tail
            if inflater.eof:
                break
        if inflater is not None:
            take(inflater.flush())
    except zlib.error as exc:
        raise Rejected(422, "Tệp Office bị hỏng (dữ liệu nén lỗi).") from exc
    if crc != info.CRC:
        raise Rejected(422, "Tệp Office bị hỏng (sai mã kiểm tra CRC).")
    return bytes(kept)


def _parse_content_types(data: bytes) -> dict[str, str]:
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ParseError, ValueError) as exc:
        raise Rejected(422, "Tệp Office bị hỏng ([Content_Types].xml không hợp lệ).") from exc
    types = {}
    for el in root:
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "Override" and el.get("PartName"):
            types[el.get("PartName", "").lstrip("/").lower()] = el.get("ContentType", "")
        elif tag == "Default" and el.get("Extension"):
            types["*." + el.get("Extension", "").lower()] = el.get("ContentType", "")
    lowered = " ".join(types.values()).lower()
    if "macroenabled" in lowered or "vbaproject" in lowered:
        raise Rejected(415, MACRO)
    return types


def _main_part(types: dict[str, str], members: dict) -> tuple[str, str, str]:
    mains = [(part, OOXML_MAIN[ct]) for part, ct in types.items() if ct in OOXML_MAIN]
    if len(mains) != 1 or mains[0][0] not in members:
        raise Rejected(415, "Tệp Office không phải tài liệu Word, Excel hay PowerPoint chuẩn. " + ACCEPTED)
    part, (kind, root) = mains[0]
    return kind, root, part


def _has_doctype(prefix: bytes) -> bool:
    if prefix.startswith((b"\xff\xfe", b"\xfe\xff")):
        prefix = prefix.decode("utf-16", errors="ignore").encode("utf-8")
    return b"<!doctype" in prefix.lower() or b"<!entity" in prefix.lower()


class _Root(Exception):
    pass


def _check_root(prefix: bytes, expected: str) -> None:
    """The main part must be XML whose root element is w:document / workbook / presentation."""
    from xml.parsers import expat

    found: list[str] = []

    def start(name: str, _attrs: dict) -> None:
        found.append(name.rsplit(" ", 1)[-1])
        raise _Root

    def refuse(*_args: object) -> None:
        raise Rejected(422, "Tệp chứa khai báo DTD trong XML; không được nhận.")

    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(prefix, False)
    except _Root:
        pass
    except expat.ExpatError as exc:
        raise Rejected(422, "Tệp Office bị hỏng (nội dung chính không phải XML).") from exc
    if found != [expected]:
        raise Rejected(415, "Tệp Office không phải tài liệu Word, Excel hay PowerPoint chuẩn. " + ACCEPTED)


def scan_zip(fh: BinaryIO, *, max_entries: int = MAX_ENTRIES, max_inflated: int = MAX_INFLATED_TOTAL) -> set[str]:
    """Every member of a zip checked and inflated by our own counting loop (never trusting
    ZipInfo.file_size); returns the member names in lower case. Used by core.xlsx for every
    spreadsheet the app reads, before openpyxl sees a byte."""
    import zipfile

    size = fh.seek(0, io.SEEK_END)
    _check_directory_size(fh, size, max_entries)
    fh.seek(0)
    try:
        archive = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise Rejected(422, "Tệp bị hỏng (không đọc được cấu trúc nén).", "corrupt") from exc
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise Rejected(422, f"Tệp có quá nhiều thành phần ({len(infos)}); tối đa {max_entries}.", "entries")
    budget = _Budget(max_inflated)
    names = set()
    for info in infos:
        try:
            _check_member_header(info)
        except Rejected as exc:
            exc.reason = exc.reason or "unsafe"
            raise
        if not info.is_dir():
            _inflate(fh, size, info, budget, keep=0)
        names.add(info.filename.lower())
    return names


# --- PDF -----------------------------------------------------------------------------------


def _check_pdf(fh: BinaryIO) -> tuple[str, str]:
    import logging
    import warnings

    data = fh.read()
    _scan_pdf_names(data)
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pypdf import PdfReader

        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise Rejected(415, "Tệp PDF có mật khẩu. Hãy gỡ mật khẩu rồi tải lên lại.")
            pages = len(reader.pages)
            if pages == 0:
                raise Rejected(422, "Tệp PDF không có trang nào.")
            if pages > MAX_PDF_PAGES:
                raise Rejected(422, f"Tệp PDF có {pages} trang, vượt giới hạn {MAX_PDF_PAGES}.")
            _walk_pdf_objects(reader)
        except Rejected:
            raise
        except RecursionError as exc:
            raise Rejected(422, "Tệp PDF có cấu trúc lồng quá sâu; không được nhận.") from exc
        except Exception as exc:  # pypdf raises many types on malformed input
            raise Rejected(422, "Tệp PDF bị hỏng hoặc không đọc được.") from exc
    return "pdf", MIME["pdf"]


def _active_pdf() -> Rejected:
    return Rejected(
        415,
        "Tệp PDF chứa mã JavaScript, lệnh chạy chương trình hoặc tệp đính kèm "
        "ẩn; không được nhận. Hãy xuất lại PDF từ Word rồi tải lên.",
    )


def _scan_pdf_names(data: bytes) -> None:
    if _PDF_LITERAL.search(data):
        raise _active_pdf()
    for match in _PDF_ESCAPED.finditer(data):
        name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), match.group()[1:])
        if name in PDF_ACTIVE:
            raise _active_pdf()


def _walk_pdf_objects(reader) -> None:
    """Resolve every object in the file (incl. compressed object streams) and inspect it."""
    from pypdf.generic import ArrayObject, DictionaryObject

    numbers = {num for gens in reader.xref.values() for num in gens}
    numbers.update(reader.xref_objStm.keys())
    if len(numbers) > MAX_PDF_OBJECTS:
        raise Rejected(422, "Tệp PDF có quá nhiều đối tượng; không được nhận.")
    budget = [MAX_PDF_OBJECTS * 4]

    def visit(obj, depth: int) -> None:
        budget[0] -= 1
        if budget[0] < 0 or depth > 40:
            raise Rejected(422, "Tệp PDF có cấu trúc quá phức tạp; không được nhận.")
        if isinstance(obj, DictionaryObject):
            if PDF_ACTIVE_NAMES & set(obj.keys()):
                raise _active_pdf()
            if obj.get("/S") in PDF_ACTIVE_ACTIONS or obj.get("/Type") == "/EmbeddedFile":
                raise _active_pdf()
            for key, value in obj.items():
                if key not in ("/Parent", "/P") and not hasattr(value, "idnum"):
                    visit(value, depth + 1)
        elif isinstance(obj, ArrayObject):
            for value in obj:
                if not hasattr(value, "idnum"):
                    visit(value, depth + 1)

    for num in sorted(numbers):
        try:
            obj = reader.get_object(num)
        except Exception:  # a broken object that nothing references is harmless
            continue
        visit(obj, 0)


# --- child-process entry point ----------------------------------------------------------


def _limit_resources() -> None:
    import resource

    limits = {
        resource.RLIMIT_AS: 768 * 1024 * 1024,
        resource.RLIMIT_CPU: 8,
        resource.RLIMIT_FSIZE: 0,  # the checker never writes a file
        resource.RLIMIT_NOFILE: 32,
        resource.RLIMIT_CORE: 0,
    }
    for kind, value in limits.items():
        try:
            resource.setrlimit(kind, (value, value))
        except (ValueError, OSError):
            pass


def main() -> int:
    _limit_resources()
    stdin = open(0, "rb", closefd=False)  # the upload's temp file, seekable
    try:
        kind, mime = check(stdin)
        verdict = {"ok": True, "kind": kind, "mime": mime}
    except Rejected as exc:
        verdict = {"ok": False, "status": exc.status, "message": exc.message}
    except MemoryError:
        verdict = {"ok": False, "status": 422, "message": "Tệp quá phức tạp để kiểm tra (vượt giới hạn bộ nhớ)."}
    sys.stdout.write(json.dumps(verdict, ensure_ascii=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
