"""Reading uploaded .xlsx files safely, and the shapes every import shares.

Checks before openpyxl sees a byte (SECURITY.md 16, 30, 31): size, type by content
(an .xlsx is a zip holding [Content_Types].xml and xl/workbook.xml; an old .xls, a CSV,
an .exe or a Word file renamed .xlsx gets a Vietnamese sentence saying what it is),
zip entry count and declared uncompressed size (zipfile never inflates past the
declared size), macros refused. openpyxl then reads in read_only/data_only mode
(XML through defusedxml) and at most MAX_ROWS data rows are accepted.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, has_app_context

from app.core.vn import nfc, parse_date

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_ZIP_ENTRIES = 400
MAX_UNCOMPRESSED = 80 * 1024 * 1024
HEADER_SCAN_ROWS = 10


class FileRejected(Exception):
    """The file cannot be read as an import: a Vietnamese message and an HTTP status."""

    def __init__(self, message: str, status: int = 415) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def limit(name: str, default: int) -> int:
    if has_app_context():
        return int(current_app.config.get(f"SODIENTU_IMPORT_{name}", default))
    return default


# --- type sniffing -------------------------------------------------------------------

XLSX_HINT = "Hãy mở tệp bằng Excel (hoặc LibreOffice) rồi chọn Lưu thành… › 'Sổ làm việc Excel (.xlsx)'."


def check_xlsx(data: bytes) -> None:
    """Raise FileRejected unless `data` looks like a plain .xlsx workbook."""
    max_bytes = limit("MAX_BYTES", MAX_BYTES)
    if not data:
        raise FileRejected("Tệp tải lên rỗng (0 byte).", 422)
    if len(data) > max_bytes:
        raise FileRejected(
            f"Tệp quá lớn ({len(data) / 1024 / 1024:.1f} MB); tối đa "
            f"{max_bytes // 1024 // 1024} MB. Hãy chia thành nhiều tệp nhỏ hơn.",
            413,
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(
            "Tệp là định dạng Excel cũ (.xls) hoặc tệp Excel có đặt mật khẩu, "
            "không phải .xlsx. Hãy mở tệp bằng Excel, bỏ mật khẩu nếu có, rồi "
            "chọn Lưu thành… › 'Sổ làm việc Excel (.xlsx)'."
        )
    if data.startswith(b"MZ") or data.startswith(b"\x7fELF"):
        raise FileRejected(
            "Tệp là một chương trình máy tính, không phải bảng tính Excel (.xlsx). Hãy chọn đúng tệp danh sách."
        )
    if data.startswith(b"%PDF"):
        raise FileRejected("Tệp là PDF, không phải bảng tính Excel (.xlsx). " + XLSX_HINT)
    if not data.startswith(b"PK\x03\x04"):
        if _looks_like_text(data):
            raise FileRejected("Tệp là văn bản thường hoặc CSV, không phải bảng tính Excel (.xlsx). " + XLSX_HINT)
        raise FileRejected("Tệp không phải bảng tính Excel (.xlsx). " + XLSX_HINT)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRejected("Tệp .xlsx bị hỏng, không mở được. " + XLSX_HINT) from exc
    names = {i.filename for i in infos}
    if len(infos) > limit("MAX_ZIP_ENTRIES", MAX_ZIP_ENTRIES) or sum(i.file_size for i in infos) > limit(
        "MAX_UNCOMPRESSED", MAX_UNCOMPRESSED
    ):
        raise FileRejected(
            "Tệp có cấu trúc bất thường (quá nhiều hoặc quá lớn khi giải nén); không thể đọc an toàn.", 413
        )
    if any(n.startswith(("/", "\\")) or ".." in n.split("/") for n in names):
        raise FileRejected("Tệp có cấu trúc bất thường; không thể đọc an toàn.")
    if "word/document.xml" in names:
        raise FileRejected("Tệp là văn bản Word (.docx), không phải bảng tính Excel (.xlsx).")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRejected("Tệp nén này không phải bảng tính Excel (.xlsx). " + XLSX_HINT)
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise FileRejected("Tệp có macro (.xlsm) không được chấp nhận. " + XLSX_HINT)


def _looks_like_text(data: bytes) -> bool:
    head = data[:2048]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            head.decode("cp1258")
        except UnicodeDecodeError:
            return False
    return True


# --- reading ---------------------------------------------------------------------------

Row = tuple[int, tuple[Any, ...]]  # (Excel row number, cell values)


def read_rows(data: bytes) -> list[Row]:
    """The non-empty rows of the first sheet, with their Excel row numbers."""
    check_xlsx(data)
    from openpyxl import load_workbook

    max_rows = limit("MAX_ROWS", MAX_ROWS)
    rows: list[Row] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles/extensions it skips
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = workbook.worksheets[0]
                for number, values in enumerate(sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), start=1):
                    if all(_blank(v) for v in values):
                        continue
                    rows.append((number, tuple(values)))
                    if len(rows) > max_rows + HEADER_SCAN_ROWS:
                        break
            finally:
                workbook.close()
    except FileRejected:
        raise
    except Exception as exc:  # openpyxl raises many kinds on malformed parts
        raise FileRejected("Không đọc được nội dung bảng tính (tệp có thể bị hỏng). " + XLSX_HINT) from exc
    return rows


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# --- headers ---------------------------------------------------------------------------


def fold(text: Any) -> str:
    """'Họ và tên' → 'hovaten': lower case, no accents, letters and digits only."""
    decomposed = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "d")
    return "".join(c for c in decomposed.lower() if not unicodedata.combining(c) and c.isascii() and c.isalnum())


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the header written in templates and exports
    aliases: tuple[str, ...] = ()  # other accepted headers (folded or not)
    required: bool = False
    example: Any = None
    note: str = ""
    as_text: bool = False  # template formats the column as text (keeps leading zeros)

    def matches(self, header: str) -> bool:
        folded = fold(header)
        return bool(folded) and folded in {fold(self.label), *(fold(a) for a in self.aliases)}


def locate_header(rows: list[Row], columns: tuple[Column, ...]) -> tuple[int, dict[str, int]]:
    """(index in rows of the header row, {column key: cell index}); files may have title rows."""
    best: tuple[int, dict[str, int]] = (-1, {})
    for index, (_number, values) in enumerate(rows[:HEADER_SCAN_ROWS]):
        mapping: dict[str, int] = {}
        for cell_index, value in enumerate(values):
            if isinstance(value, str):
                for column in columns:
                    if column.key not in mapping and column.matches(value):
                        mapping[column.key] = cell_index
                        break
        if len(mapping) > len(best[1]):
            best = (index, mapping)
    if len(best[1]) < 2:
        expected = ", ".join(f"'{c.label}'" for c in columns if c.required)
        raise FileRejected(
            "Không tìm thấy dòng tiêu đề cột trong trang tính đầu tiên. "
            f"Dòng tiêu đề cần có các cột: {expected}. Hãy dùng tệp mẫu.",
            422,
        )
    return best


# --- cells -----------------------------------------------------------------------------


def text(value: Any) -> str:
    """A cell as clean NFC text: integral numbers without '.0', dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return " ".join(nfc(str(value)).split())


EXCEL_EPOCH = date(1899, 12, 30)


def to_date(value: Any) -> date:
    """A date cell, an Excel serial number or 'dd/mm/yyyy' text; raises ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 80000 and float(value).is_integer():
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(value)
    raw = text(value)
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":  # ISO yyyy-mm-dd
        return date.fromisoformat(raw)
    return parse_date(raw)


def is_number_cell(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- previews --------------------------------------------------------------------------


@dataclass
class RowResult:
    line: int  # the Excel row number
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)
    data: Any = None  # the validated payload handed to apply()
    note: str = ""  # what will happen to this row (shown in the preview)


@dataclass
class Preview:
    kind: str
    columns: tuple[Column, ...]
    rows: list[RowResult] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    present: tuple[str, ...] = ()  # the column keys found in the file

    @property
    def messages(self) -> list[str]:
        """Every problem as a sentence: file-level ones, then 'Dòng 14: …'."""
        return [*self.file_errors, *(f"Dòng {row.line}: {error}" for row in self.rows for error in row.errors)]

    @property
    def ok(self) -> bool:
        return not self.messages and bool(self.rows)

    @property
    def error_rows(self) -> int:
        return sum(1 for row in self.rows if row.errors)

    @property
    def shown_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.key in self.present)


def build_preview(
    kind: str, columns: tuple[Column, ...], rows: list[Row]
) -> tuple[Preview, list[tuple[int, dict[str, Any]]]]:
    """Find the header, check required columns and the row count.

    Returns the preview (file errors filled in) and the data rows as
    (Excel row number, {column key: raw value}).
    """
    header_index, mapping = locate_header(rows, columns)
    preview = Preview(kind, columns, present=tuple(c.key for c in columns if c.key in mapping))
    missing = [c.label for c in columns if c.required and c.key not in mapping]
    if missing:
        preview.file_errors.append(
            "Thiếu cột bắt buộc: " + ", ".join(f"'{m}'" for m in missing) + ". Hãy dùng đúng tiêu đề cột như tệp mẫu."
        )
    data_rows = [
        (number, {key: values[i] if i < len(values) else None for key, i in mapping.items()})
        for number, values in rows[header_index + 1 :]
    ]
    max_rows = limit("MAX_ROWS", MAX_ROWS)
    if len(data_rows) > max_rows:
        preview.file_errors.append(
            f"Tệp có hơn {max_rows:,} dòng dữ liệu".replace(",", " ") + "; hãy chia thành nhiều tệp nhỏ hơn."
        )
        data_rows = data_rows[:max_rows]
    if not data_rows and not missing:
        preview.file_errors.append("Tệp không có dòng dữ liệu nào dưới dòng tiêu đề.")
    return preview, data_rows


@dataclass(frozen=True)
class ImportOptions:
    class_id: int | None = None  # class rosters: the class every row goes into


@dataclass
class ImportResult:
    kind: str
    counts: dict[str, int]
    summary: str  # one Vietnamese sentence
    credentials: list[tuple[str, str, str]] = field(default_factory=list)  # staff: shown once


def check_length(errors: list[str], label: str, value: str | None, maximum: int) -> None:
    if value and len(value) > maximum:
        errors.append(f"{label} dài quá {maximum} ký tự")
