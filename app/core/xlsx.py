"""Spreadsheets in and out: the one reader of uploaded .xlsx files and the one guard of
every exported cell.

Reading (SECURITY.md 16, 30, 31): `check_xlsx()` says in Vietnamese what a wrong file is
(an old .xls, a CSV, a PDF, a Word file, a program); a zip is then scanned by
`filecheck.scan_zip` — the end-of-directory record first, every member's name checked and
inflated by a counting loop that never trusts `ZipInfo.file_size` — and refused with
macros, before openpyxl sees a byte. `open_workbook()` then reads in read-only,
data-only mode (XML through defusedxml); `read_rows()` gives the non-empty rows of the
first sheet with their Excel row numbers.

Writing: `safe_value()` neutralises text a spreadsheet would run as a formula
(CWE-1236: = + - @ tab CR LF at the start) and `write_cell()` also stores every string
as text, never as a formula.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import Response
from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook

from app.core import filecheck, files
from app.core.errors import DomainError
from app.core.vn import nfc, parse_date

HINT = "Hãy mở tệp bằng Excel (hoặc LibreOffice) rồi chọn Lưu thành… › 'Sổ làm việc Excel (.xlsx)'."
UNSAFE = "Tệp có cấu trúc bất thường (quá nhiều hoặc quá lớn khi giải nén); không thể đọc an toàn."
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


class SpreadsheetRejected(DomainError):
    """The file cannot be read as a spreadsheet: a sentence saying what it is and what to do."""

    status = 415


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 5 * 1024 * 1024
    max_entries: int = 400
    max_inflated: int = 80 * 1024 * 1024
    max_rows: int = 5000
    max_columns: int = 60


def check_xlsx(data: bytes, limits: Limits = Limits()) -> None:
    """Raise SpreadsheetRejected unless `data` is a plain, safely readable .xlsx workbook."""
    if not data:
        raise SpreadsheetRejected("Tệp tải lên rỗng (0 byte).", status=422)
    if len(data) > limits.max_bytes:
        raise SpreadsheetRejected(
            f"Tệp quá lớn ({len(data) / 1024 / 1024:.1f} MB); tối đa {limits.max_bytes // 1024 // 1024} MB. "
            "Hãy chia thành nhiều tệp nhỏ hơn.",
            status=413,
        )
    _refuse_other_formats(data)
    names = _scan(data, limits)
    if "word/document.xml" in names:
        raise SpreadsheetRejected("Tệp là văn bản Word (.docx), không phải bảng tính Excel (.xlsx).")
    if "ppt/presentation.xml" in names:
        raise SpreadsheetRejected("Tệp là bản trình chiếu PowerPoint (.pptx), không phải bảng tính Excel (.xlsx).")
    if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
        raise SpreadsheetRejected("Tệp nén này không phải bảng tính Excel (.xlsx). " + HINT)
    if any(n.endswith("vbaproject.bin") for n in names):
        raise SpreadsheetRejected("Tệp có macro (.xlsm) không được chấp nhận. " + HINT)


def _refuse_other_formats(data: bytes) -> None:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SpreadsheetRejected(
            "Tệp là định dạng Excel cũ (.xls) hoặc tệp Excel có đặt mật khẩu, không phải .xlsx. Hãy mở tệp "
            "bằng Excel, bỏ mật khẩu nếu có, rồi chọn Lưu thành… › 'Sổ làm việc Excel (.xlsx)'."
        )
    if data.startswith((b"MZ", b"\x7fELF")):
        raise SpreadsheetRejected(
            "Tệp là một chương trình máy tính, không phải bảng tính Excel (.xlsx). Hãy chọn đúng tệp danh sách."
        )
    if data.startswith(b"%PDF"):
        raise SpreadsheetRejected("Tệp là PDF, không phải bảng tính Excel (.xlsx). " + HINT)
    if not data.startswith(b"PK\x03\x04"):
        if _looks_like_text(data):
            raise SpreadsheetRejected("Tệp là văn bản thường hoặc CSV, không phải bảng tính Excel (.xlsx). " + HINT)
        raise SpreadsheetRejected("Tệp không phải bảng tính Excel (.xlsx). " + HINT)


def _scan(data: bytes, limits: Limits) -> set[str]:
    try:
        return filecheck.scan_zip(io.BytesIO(data), max_entries=limits.max_entries, max_inflated=limits.max_inflated)
    except filecheck.Rejected as exc:
        if exc.reason in ("entries", "inflated"):
            raise SpreadsheetRejected(UNSAFE, status=413) from None
        if exc.reason == "unsafe":
            raise SpreadsheetRejected(
                "Tệp có cấu trúc bất thường (đường dẫn, liên kết hoặc mật khẩu bên trong); không thể đọc an toàn."
            ) from None
        raise SpreadsheetRejected("Tệp .xlsx bị hỏng, không mở được. " + HINT, status=422) from None


def _looks_like_text(data: bytes) -> bool:
    head = data[:2048]
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "cp1258"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


@contextmanager
def open_workbook(data: bytes, limits: Limits = Limits()) -> Iterator[Workbook]:
    """The checked workbook, read-only and data-only; malformed content is a SpreadsheetRejected."""
    check_xlsx(data, limits)
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles/extensions it skips
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on malformed parts
        raise SpreadsheetRejected("Không đọc được nội dung bảng tính (tệp có thể bị hỏng). " + HINT) from exc
    try:
        yield workbook
    finally:
        workbook.close()


Row = tuple[int, tuple[Any, ...]]  # (Excel row number, cell values)


def read_rows(data: bytes, limits: Limits = Limits(), extra_rows: int = 10) -> list[Row]:
    """The non-empty rows of the first sheet with their Excel row numbers: at most
    `limits.max_rows + extra_rows` (the caller says how many are too many)."""
    rows: list[Row] = []
    with open_workbook(data, limits) as workbook:
        try:
            sheet = workbook.worksheets[0]
            values_of = sheet.iter_rows(values_only=True, max_col=limits.max_columns)
            for number, values in enumerate(values_of, start=1):
                if all(is_blank(v) for v in values):
                    continue
                rows.append((number, tuple(values)))
                if len(rows) > limits.max_rows + extra_rows:
                    break
        except Exception as exc:
            raise SpreadsheetRejected("Không đọc được nội dung bảng tính (tệp có thể bị hỏng). " + HINT) from exc
    return rows


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as clean NFC text: integral numbers without '.0', dates as dd/mm/yyyy."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    return " ".join(nfc(str(value)).split())


EXCEL_EPOCH = date(1899, 12, 30)


def cell_date(value: Any) -> date:
    """A date cell, an Excel serial number or 'dd/mm/yyyy' text; raises ValueError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 80000 and float(value).is_integer():
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise ValueError(value)
    raw = cell_text(value)
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":  # ISO yyyy-mm-dd
        return date.fromisoformat(raw)
    return parse_date(raw)


def is_number_cell(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# --- writing ---------------------------------------------------------------------------


def safe_value(value: Any) -> Any:
    """Text that would start a formula gets a leading apostrophe; NFC; other values pass."""
    if isinstance(value, str):
        value = nfc(value)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> Response:
    """A generated workbook as a download (attachment, nosniff, never cached)."""
    return files.attachment(data, filename, MIMETYPE)


def write_cell(cell: Cell, value: Any) -> Cell:
    """Set a cell through the guard; a string is always stored as text, never a formula."""
    cell.value = safe_value(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell
