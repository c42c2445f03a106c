"""Reading a filled grade sheet back (.xlsx in the export layout) into a checked plan.

Nothing is written here: `read_sheet` returns the planned cell changes and every row
error; the preview shows them, and only a plan without errors can be confirmed, as one
all-or-nothing batch (services/transfer.confirm_import) carrying the versions seen at
preview. The file is read by core.xlsx, the one reader of uploaded spreadsheets (type by
content, every zip member inflated by a counting loop, macros refused). The plan travels
signed (itsdangerous, bound to the grade book and the user); its numbers are bounded
again when it comes back. Blank cells in the file leave the stored value alone. Students
are matched by mã học sinh; a code that is not in this class is a row error (nothing
outside the class is read).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from app.core.errors import DomainError
from app.core.forms import parse_id
from app.core.xlsx import Limits, SpreadsheetRejected, cell_text, read_rows
from app.gradebook.exports import CODE_HEADER
from app.gradebook.grid import Grid
from app.gradebook.values import CellError, Column, parse_cell, shown

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 400
#: header block and signature lines around the student rows
EXTRA_ROWS = 40
LIMITS = Limits(max_bytes=MAX_BYTES, max_entries=200, max_inflated=40 * 1024 * 1024, max_rows=MAX_ROWS, max_columns=60)
STALE_PLAN = "Bản xem trước không hợp lệ hoặc đã hết hạn. Hãy tải tệp lên lại."


class ImportFileError(DomainError):
    """422: the file itself cannot be read (not an .xlsx, too large, no header…)."""


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


SheetRow = tuple[int, tuple[Any, ...]]  # (Excel row number, values)


def _header_map(rows: Sequence[SheetRow], columns: Sequence[Column]) -> tuple[int, int, dict[int, Column]]:
    """(code column, index in `rows` of the first student row, sheet column → grid column).

    The table header is two lines: "Mã học sinh" … "ĐĐGtx" over TX1…TXn, GK, CK."""
    labels = {c.label.upper(): c for c in columns}
    labels.update({c.long_label.upper(): c for c in columns if c.kind != "tx"})
    for i, (_number, values) in enumerate(rows[:30]):
        texts = [cell_text(v) for v in values]
        if CODE_HEADER not in texts:
            continue
        code_col = texts.index(CODE_HEADER)
        below = [cell_text(v).upper() for v in rows[i + 1][1]] if i + 1 < len(rows) else []
        mapping: dict[int, Column] = {}
        for j in range(max(len(texts), len(below))):
            for label in (below[j] if j < len(below) else "", texts[j].upper() if j < len(texts) else ""):
                if label in labels and j not in mapping:
                    mapping[j] = labels[label]
        return code_col, i + 2, mapping
    raise ImportFileError(
        f"Không tìm thấy dòng tiêu đề có cột “{CODE_HEADER}”. Hãy dùng tệp xuất từ chính sổ điểm này."
    )


def _rows(data: bytes) -> list[SheetRow]:
    try:
        rows = read_rows(data, LIMITS, extra_rows=EXTRA_ROWS)
    except SpreadsheetRejected as exc:
        raise ImportFileError(exc.message) from None
    if len(rows) > MAX_ROWS + EXTRA_ROWS:
        raise ImportFileError(f"Tệp có quá nhiều dòng (tối đa {MAX_ROWS} học sinh). Hãy dùng tệp xuất từ sổ điểm này.")
    return rows


def read_sheet(data: bytes, grid: Grid) -> Plan:
    rows = _rows(data)
    code_col, first, mapping = _header_map(rows, grid.columns)
    if not mapping:
        raise ImportFileError("Không tìm thấy cột điểm nào (TX1…, GK, CK) trong tệp.")
    by_code = {r.student.student_code: r for r in grid.rows}
    plan, seen = Plan(), set()
    for number, values in rows[first:]:
        code = cell_text(values[code_col] if code_col < len(values) else None)
        if not code:
            continue
        plan.rows_read += 1
        grid_row = by_code.get(code)
        if grid_row is None:
            plan.errors.append((number, f"Mã học sinh {code} không thuộc lớp {grid.handle.school_class.name}."))
            continue
        if code in seen:
            plan.errors.append((number, f"Mã học sinh {code} xuất hiện hai lần."))
            continue
        seen.add(code)
        cells = {c.column.key: c for c in grid_row.cells}
        for j, column in mapping.items():
            raw = cell_text(values[j] if j < len(values) else None)
            if not raw:
                continue
            try:
                parsed = parse_cell(raw, grid.comment_subject)
            except CellError as exc:
                plan.errors.append((number, f"{grid_row.student.full_name}, cột {column.label}: {exc.message}"))
                continue
            cell = cells[column.key]
            new = shown(parsed.value, parsed.comment)
            if new != cell.text:
                student = grid_row.student
                plan.cells.append(
                    PlannedCell(number, student.id, student.full_name, column, cell.text, new, raw, cell.version)
                )
    if plan.rows_read == 0:
        after_header = rows[min(first, len(rows)) - 1][0] + 1
        plan.errors.append((after_header, "Tệp không có dòng học sinh nào."))
    return plan


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="gradebook-import")  # type: ignore[arg-type]


def sign_plan(plan: Plan, gradebook_id: int, user_id: int) -> str:
    cells = [[c.student_id, c.column.key, c.raw, c.version] for c in plan.cells]
    return _serializer().dumps({"gb": gradebook_id, "u": user_id, "cells": cells})


def load_plan(token: str, gradebook_id: int, user_id: int) -> list[tuple[int, str, str, int]]:
    """The signed plan's cells, every number bounded like a form id (else ImportFileError)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise ImportFileError(STALE_PLAN) from None
    if not isinstance(data, dict) or data.get("gb") != gradebook_id or data.get("u") != user_id:
        raise ImportFileError("Bản xem trước không thuộc sổ điểm này. Hãy tải tệp lên lại.")
    try:
        return [(parse_id(s), str(c)[:4], str(v)[:30], parse_id(ver)) for s, c, v, ver in data["cells"]]
    except (KeyError, TypeError, ValueError):
        raise ImportFileError(STALE_PLAN) from None
