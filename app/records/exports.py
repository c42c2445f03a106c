"""The BGH compliance export (.xlsx): weekly figures per tổ and the overdue list.

Text cells that a spreadsheet would run as a formula (= + - @, tab, CR) are neutralised
with a leading apostrophe (CWE-1236)."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from app.core.vn import format_date
from app.records.dashboards import DepartmentWeeks
from app.records.models import Record

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _sheet_rows(ws, header: list[str], rows: list[list[Any]]) -> None:  # type: ignore[no-untyped-def]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    for column, title in zip(ws.columns, header, strict=False):
        width = max([len(str(title))] + [len(str(c.value or "")) for c in column])
        ws.column_dimensions[column[0].column_letter].width = min(60, width + 2)


def compliance_workbook(table: list[DepartmentWeeks], weeks: list[date], overdue: list[Record], today: date) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Theo tuần"
    rows = []
    for entry in table:
        for week, counts in zip(weeks, entry.weeks, strict=True):
            rows.append(
                [
                    entry.department.name,
                    f"{format_date(week)} – {format_date(week + timedelta(days=6))}",
                    counts.expected,
                    counts.submitted,
                    counts.on_time,
                    counts.late,
                    counts.approved,
                    counts.missing,
                    counts.overdue,
                ]
            )
    _sheet_rows(
        ws,
        [
            "Tổ chuyên môn",
            "Tuần",
            "Cần nộp",
            "Đã nộp",
            "Đúng hạn",
            "Trễ hạn",
            "Đã duyệt",
            "Chưa nộp",
            "Trong đó quá hạn",
        ],
        rows,
    )
    late = wb.create_sheet("Quá hạn")
    _sheet_rows(
        late,
        ["Hồ sơ", "Loại", "Giáo viên", "Tổ", "Lớp", "Môn", "Hạn nộp", "Số ngày quá hạn", "Trạng thái"],
        [
            [
                r.title,
                r.record_type.name,
                r.author.full_name,
                r.department.name if r.department else "",
                r.school_class.name if r.school_class else "",
                r.subject.name if r.subject else "",
                format_date(r.due_date),
                (today - r.due_date).days if r.due_date else "",
                r.state_label,
            ]
            for r in overdue
        ],
    )
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
