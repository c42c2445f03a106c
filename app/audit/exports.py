"""The day's full audit list as a spreadsheet (every cell through core.xlsx's guard)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from app.audit import registry
from app.audit.models import AuditEvent
from app.core.vn import format_datetime
from app.core.xlsx import write_cell

HEADER = ("seq", "Thời gian (GMT+7)", "Người thực hiện", "Vai trò", "Thao tác", "Mã thao tác", "Đối tượng",
          "Thay đổi", "Ghi chú", "IP", "Mã băm tệp", "Mã băm dòng")  # fmt: skip


def day_workbook(day: date, events: Iterable[AuditEvent]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(f"Nhật ký {day.strftime('%d-%m-%Y')}")
    sheet.append([_cell(sheet, h) for h in HEADER])
    for e in events:
        row = (
            e.seq, format_datetime(e.ts, seconds=True), e.actor_name or "Hệ thống", e.actor_role or "",
            registry.action_label(e.action), e.action, f"{e.subject_type or ''} {e.subject_id or ''}".strip(),
            json.dumps(e.changes, ensure_ascii=False) if e.changes else "", e.comment or "", e.ip or "",
            e.file_sha256 or "", e.hash,
        )  # fmt: skip
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet: object, value: object) -> WriteOnlyCell:
    return write_cell(WriteOnlyCell(sheet), value)
