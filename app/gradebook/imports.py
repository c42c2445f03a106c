"""Reading a filled grade sheet back (.xlsx in the export layout) into a checked plan.

Nothing is written here: `read_sheet` returns the planned cell changes and every row
error; the view shows a preview, and only a plan without errors can be confirmed, as one
all-or-nothing batch (services.entry.save_batch) carrying the versions seen at preview.
The plan travels signed (itsdangerous, bound to the grade book and the user).
Blank cells in the file leave the stored value alone. Students are matched by mã học
sinh; a code that is not in this class is a row error (nothing outside the class is read).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from openpyxl import load_workbook

from app.gradebook.exports import CODE_HEADER, COMMENT_HEADER
from app.gradebook.values import CellError, Column, parse_cell, shown

MAX_BYTES = 2 * 1024 * 1024
MAX_ENTRIES = 200
MAX_UNCOMPRESSED = 40 * 1024 * 1024
MAX_ROWS = 400
XLSX_MAGIC = b"PK\x03\x04"


class ImportFileError(ValueError):
    """The file itself cannot be read (not an .xlsx, too large, no header)."""


@dataclass(frozen=True)
class PlannedCell:
    row: int
    student_id: int
    student_name: str
    column: Column
    old: str
    new: str
    raw: str
    version: int


@dataclass
class Plan:
    cells: list[PlannedCell] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (sheet row, message)
    rows_read: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _check_container(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise ImportFileError("Tệp quá lớn (tối đa 2 MB).")
    if not data.startswith(XLSX_MAGIC):
        raise ImportFileError("Tệp không phải là bảng tính Excel .xlsx.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
    except zipfile.BadZipFile:
        raise ImportFileError("Tệp .xlsx bị hỏng, không đọc được.") from None
    if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        raise ImportFileError("Tệp .xlsx quá lớn hoặc có cấu trúc bất thường.")
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/worksheets/") for n in names):
        raise ImportFileError("Tệp không phải là bảng tính Excel .xlsx.")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # Excel stores 7.5 as a float; its shortest repr is what the teacher typed
        return repr(value) if value != int(value) else str(int(value))
    return str(value)


def _header_map(rows: list[tuple], columns: list[Column]) -> tuple[int, int, dict[int, Column], int | None]:
    """(code column, first data row index, sheet column → grid column, comment column)."""
    labels = {c.label.upper(): c for c in columns}
    labels.update({c.long_label.upper(): c for c in columns if c.kind != "tx"})
    for i, row in enumerate(rows[:30]):
        texts = [_text(v).strip() for v in row]
        if CODE_HEADER not in texts:
            continue
        code_col = texts.index(CODE_HEADER)
        below = [_text(v).strip().upper() for v in rows[i + 1]] if i + 1 < len(rows) else []
        mapping: dict[int, Column] = {}
        comment_col = texts.index(COMMENT_HEADER) if COMMENT_HEADER in texts else None
        for j in range(max(len(texts), len(below))):
            for label in (
                (below[j] if j < len(below) else ""),
                texts[j].upper() if j < len(texts) else "",
            ):
                if label in labels and j not in mapping:
                    mapping[j] = labels[label]
        return code_col, i + 2, mapping, comment_col
    raise ImportFileError(
        f"Không tìm thấy dòng tiêu đề có cột “{CODE_HEADER}”. Hãy dùng tệp xuất từ chính sổ điểm này."
    )


def read_sheet(data: bytes, grid: Any) -> Plan:
    _check_container(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds on a malformed file
        raise ImportFileError("Tệp .xlsx bị hỏng, không đọc được.") from None
    ws = wb.worksheets[0]
    rows = [tuple(r) for _, r in zip(range(MAX_ROWS + 40), ws.iter_rows(values_only=True), strict=False)]
    wb.close()
    code_col, first, mapping, _comment_col = _header_map(rows, grid.columns)
    if not mapping:
        raise ImportFileError("Không tìm thấy cột điểm nào (TX1…, GK, CK) trong tệp.")
    by_code = {r.student.student_code: r for r in grid.rows}
    plan, seen = Plan(), set()
    for offset, row in enumerate(rows[first:], start=first + 1):
        code = _text(row[code_col] if code_col < len(row) else None).strip()
        if not code:
            continue
        plan.rows_read += 1
        grid_row = by_code.get(code)
        if grid_row is None:
            plan.errors.append((offset, f"Mã học sinh {code} không thuộc lớp {grid.handle.school_class.name}."))
            continue
        if code in seen:
            plan.errors.append((offset, f"Mã học sinh {code} xuất hiện hai lần."))
            continue
        seen.add(code)
        cells = {c.column.key: c for c in grid_row.cells}
        for j, column in mapping.items():
            raw = _text(row[j] if j < len(row) else None)
            if not raw.strip():
                continue
            try:
                parsed = parse_cell(raw, grid.comment_subject)
            except CellError as exc:
                plan.errors.append((offset, f"{grid_row.student.full_name}, cột {column.label}: {exc}"))
                continue
            cell = cells[column.key]
            new = shown(parsed.value, parsed.comment)
            if new != cell.text:
                plan.cells.append(
                    PlannedCell(
                        offset,
                        grid_row.student.id,
                        grid_row.student.full_name,
                        column,
                        cell.text,
                        new,
                        raw,
                        cell.version,
                    )
                )
    if plan.rows_read == 0:
        plan.errors.append((first, "Tệp không có dòng học sinh nào."))
    return plan


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="gradebook-import")  # type: ignore[arg-type]


def sign_plan(plan: Plan, gradebook_id: int, user_id: int) -> str:
    cells = [[c.student_id, c.column.key, c.raw, c.version] for c in plan.cells]
    return _serializer().dumps({"gb": gradebook_id, "u": user_id, "cells": cells})


def load_plan(token: str, gradebook_id: int, user_id: int) -> list[tuple[int, str, str, int]]:
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise ImportFileError("Bản xem trước không hợp lệ hoặc đã hết hạn. Hãy tải tệp lên lại.") from None
    if data.get("gb") != gradebook_id or data.get("u") != user_id:
        raise ImportFileError("Bản xem trước không thuộc sổ điểm này. Hãy tải tệp lên lại.")
    return [(int(s), str(c), str(v), int(ver)) for s, c, v, ver in data["cells"]]
