"""The BGH compliance export (.xlsx): weekly figures per tổ and the overdue list.

Every cell is written through core.xlsx.write_cell: text that a spreadsheet would run as
a formula is neutralised and strings are always stored as text (CWE-1236)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from app.core.vn import format_date
from app.core.xlsx import write_cell
from app.records import dashboards
from app.records.dashboards import DepartmentWeeks
from app.records.models import Record

if TYPE_CHECKING:
    from app.accounts.models import User


@dataclass(frozen=True)
class ComplianceExport:
    """The workbook and what its audit event says about it."""

    data: bytes
    filename: str
    weeks: list[date]
    departments: int
    overdue_rows: int


def compliance_export(user: User, week: date, today: date) -> ComplianceExport:
    """The sheet of the weeks up to `week` and the user's overdue records (a read)."""
    weeks = dashboards.weeks_ending(week)
    table = dashboards.department_weeks(weeks, today)
    overdue = dashboards.overdue_records(user, today, limit=5000)
    return ComplianceExport(
        data=compliance_workbook(table, weeks, overdue, today),
        filename=f"tuan-thu-ho-so-{week.isoformat()}.xlsx",
        weeks=weeks,
        departments=len(table),
        overdue_rows=len(overdue),
    )


def _sheet_rows(ws: Worksheet, header: list[str], rows: list[list[Any]]) -> None:
    for col, title in enumerate(header, start=1):
        write_cell(ws.cell(row=1, column=col), title).font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            write_cell(ws.cell(row=r, column=col), value)
    for column, title in zip(ws.columns, header, strict=False):
        width = max([len(str(title))] + [len(str(c.value or "")) for c in column])
        ws.column_dimensions[column[0].column_letter].width = min(60, width + 2)


def compliance_workbook(table: list[DepartmentWeeks], weeks: list[date], overdue: list[Record], today: date) -> bytes:
    wb = Workbook()
    ws = wb.worksheets[0]
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
