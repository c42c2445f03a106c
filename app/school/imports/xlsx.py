"""The shapes every import shares: header matching, row previews, results, sample rows.

Reading the file itself — type by content, every zip member inflated by a counting loop,
macros refused, openpyxl in read-only mode — is core.xlsx's (a file it cannot read is a
`core.xlsx.SpreadsheetRejected`); the limits here are the imports' own (overridable as
SODIENTU_IMPORT_MAX_BYTES, …_MAX_ROWS, …).

Sample rows: every import template has a last column "Dòng mẫu" whose cell says "MẪU" on
the example row (row 2). A row with that cell filled is refused with a row message — an
unchanged template previews as an error, never as "Không có lỗi" — so the example data
(student HS240001…) can never be imported by mistake.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, has_app_context

from app.core import vn
from app.core import xlsx as core_xlsx
from app.core.vn import fold
from app.core.xlsx import Limits, Row, SpreadsheetRejected

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
MAX_COLUMNS = 60
MAX_ZIP_ENTRIES = 400
MAX_UNCOMPRESSED = 80 * 1024 * 1024
HEADER_SCAN_ROWS = 10


def limit(name: str, default: int) -> int:
    if has_app_context():
        return int(current_app.config.get(f"SODIENTU_IMPORT_{name}", default))
    return default


def limits() -> Limits:
    """The import limits, overridable per instance (SODIENTU_IMPORT_MAX_ROWS…)."""
    return Limits(
        max_bytes=limit("MAX_BYTES", MAX_BYTES),
        max_entries=limit("MAX_ZIP_ENTRIES", MAX_ZIP_ENTRIES),
        max_inflated=limit("MAX_UNCOMPRESSED", MAX_UNCOMPRESSED),
        max_rows=limit("MAX_ROWS", MAX_ROWS),
        max_columns=MAX_COLUMNS,
    )


def check_xlsx(data: bytes) -> None:
    """Raise SpreadsheetRejected unless `data` is a plain, safely readable .xlsx workbook."""
    core_xlsx.check_xlsx(data, limits())


def read_rows(data: bytes) -> list[Row]:
    """The non-empty rows of the first sheet, with their Excel row numbers."""
    return core_xlsx.read_rows(data, limits(), extra_rows=HEADER_SCAN_ROWS)


# --- headers ---------------------------------------------------------------------------


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
        raise SpreadsheetRejected(
            "Không tìm thấy dòng tiêu đề cột trong trang tính đầu tiên. "
            f"Dòng tiêu đề cần có các cột: {expected}. Hãy dùng tệp mẫu.",
            422,
        )
    return best


# --- sample rows -----------------------------------------------------------------------

SAMPLE = Column(
    "sample",
    "Dòng mẫu",
    ("Dòng ví dụ",),
    example="MẪU – xoá dòng này",
    note="Chỉ dòng ví dụ của tệp mẫu có chữ ở cột này; dòng có chữ ở đây không được nhập.",
)
SAMPLE_ROW = (
    "đây là dòng mẫu của tệp mẫu (cột '{label}' ghi '{value}'): hãy xoá dòng này, "
    "hoặc xoá chữ ở cột '{label}' nếu đây là dữ liệu thật, rồi tải lên lại"
)


def refuse_sample_rows(preview: Preview) -> None:
    """Every row marked as the template's sample gets an error (so the file imports nothing)."""
    for row in preview.rows:
        marker = row.cells.get(SAMPLE.key, "")
        if marker:
            row.errors.insert(0, SAMPLE_ROW.format(label=SAMPLE.label, value=marker[:40]))
            row.data, row.note, row.status, row.changes = None, "", "", []


def date_message(label: str, shown: str) -> str:
    """'ngày sinh '31/02/2012' không tồn tại: tháng 2 không có ngày 31' (or: wrong shape)."""
    problem = vn.date_problem(shown)
    return label + problem.removeprefix("Ngày").rstrip(".")


# --- previews --------------------------------------------------------------------------


@dataclass
class RowResult:
    line: int  # the Excel row number
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)
    data: Any = None  # the validated payload handed to apply()
    note: str = ""  # what will happen to this row (shown in the preview)
    status: str = ""  # rosters: "new" (Thêm mới), "update" (Cập nhật), "same" (Không đổi)
    changes: list[Any] = field(default_factory=list)  # rosters: FieldChange lines, old → new


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

    def count(self, status: str) -> int:
        """Rows of one kind: "new", "update" or "same" (rosters)."""
        return sum(1 for row in self.rows if row.status == status and not row.errors)

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
    header_index, mapping = locate_header(rows, (*columns, SAMPLE))
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
