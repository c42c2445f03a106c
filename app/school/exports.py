"""Writing .xlsx files: import templates and the class roster export.

Every cell goes through `core.xlsx.write_cell`: text that a spreadsheet would run as a
formula (= + - @, a tab, CR or LF first) gets a leading apostrophe and is stored as text
(CWE-1236, SECURITY.md test 16).
"""

from __future__ import annotations

import io
from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.core.vn import format_datetime
from app.core.xlsx import write_cell
from app.school.imports.xlsx import SAMPLE, Column
from app.school.models import SchoolClass, Student

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


def _set(cell: Cell, value: Any, as_text: bool = False) -> None:
    write_cell(cell, value)
    if as_text:
        cell.number_format = "@"
    elif isinstance(value, date | datetime):
        cell.number_format = "DD/MM/YYYY"


def _header(sheet: Worksheet, labels: Sequence[str], widths: Sequence[int] | None = None) -> None:
    for index, label in enumerate(labels, start=1):
        cell = sheet.cell(row=1, column=index)
        _set(cell, label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        width = widths[index - 1] if widths else max(12, min(40, len(label) + 4))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook(title: str, columns: Sequence[Column], notes: Iterable[str]) -> bytes:
    """Header row + one example row + a 'Hướng dẫn' sheet describing every column.

    The example row is marked as the sample in a last column 'Dòng mẫu' (imports refuse
    a row so marked: an unchanged template never imports its example data).
    """
    columns = (*columns, SAMPLE)
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "Dữ liệu"
    _header(sheet, [c.label + (" *" if c.required else "") for c in columns])
    for index, column in enumerate(columns, start=1):
        _set(sheet.cell(row=2, column=index), column.example, as_text=column.as_text)
        for row in range(3, 203):  # keep leading zeros in the rows people will type
            if column.as_text:
                sheet.cell(row=row, column=index).number_format = "@"
    guide = workbook.create_sheet("Hướng dẫn")
    _set(guide.cell(row=1, column=1), title)
    guide.cell(row=1, column=1).font = Font(bold=True, size=13)
    line = 3
    for note in notes:
        _set(guide.cell(row=line, column=1), "• " + note)
        line += 1
    line += 1
    _header_row = line
    for index, label in enumerate(("Cột", "Bắt buộc", "Ghi chú"), start=1):
        cell = guide.cell(row=_header_row, column=index)
        _set(cell, label)
        cell.font = HEADER_FONT
        cell.fill = HEADER_FILL
    for column in columns:
        line += 1
        _set(guide.cell(row=line, column=1), column.label)
        _set(guide.cell(row=line, column=2), "Có" if column.required else "")
        _set(guide.cell(row=line, column=3), column.note)
    guide.column_dimensions["A"].width = 34
    guide.column_dimensions["B"].width = 10
    guide.column_dimensions["C"].width = 90
    _set(
        guide.cell(row=line + 2, column=1),
        f"Dòng 2 của trang 'Dữ liệu' là ví dụ (cột '{SAMPLE.label}' ghi MẪU): hãy xoá hoặc ghi đè cả dòng, "
        f"kể cả ô ở cột '{SAMPLE.label}', trước khi nhập. Dòng còn chữ ở cột đó sẽ không được nhập.",
    )
    return _bytes(workbook)


def roster_workbook(
    school_class: SchoolClass,
    students: Sequence[Student],
    *,
    columns: Sequence[Column],
    hidden: Collection[str],
    exported_by: str,
    exported_at: datetime,
) -> bytes:
    """The class list in R25 order, with the roster-import columns (re-importable)."""
    keys = [c for c in columns if c.key != "full_name" and c.key not in hidden]
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    sheet.title = f"Lớp {school_class.name}"[:31]
    _header(sheet, ["STT", *(c.label for c in keys)])
    for number, student in enumerate(students, start=1):
        values = _student_values(student, school_class)
        _set(sheet.cell(row=number + 1, column=1), number)
        for index, column in enumerate(keys, start=2):
            _set(
                sheet.cell(row=number + 1, column=index),
                values.get(column.key),
                as_text=column.as_text and column.key != "birth_date",
            )
    info = workbook.create_sheet("Thông tin")
    facts = [
        ("Lớp", school_class.name),
        ("Năm học", school_class.year.name),
        ("GVCN", school_class.homeroom_teacher.full_name if school_class.homeroom_teacher else ""),
        ("Sĩ số", len(students)),
        ("Xuất lúc", format_datetime(exported_at)),
        ("Người xuất", exported_by),
        (
            "Lưu ý",
            "Dữ liệu cá nhân của học sinh: chỉ dùng cho công việc của trường, "
            "không chia sẻ lên mạng xã hội hay nhóm chat.",
        ),
    ]
    for row, (label, value) in enumerate(facts, start=1):
        _set(info.cell(row=row, column=1), label)
        _set(info.cell(row=row, column=2), value)
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 80
    return _bytes(workbook)


def _student_values(student: Student, school_class: SchoolClass) -> dict[str, Any]:
    values: dict[str, Any] = {
        "student_code": student.student_code,
        "moet_id": student.moet_id,
        "register_number": student.register_number,
        "last_name": student.last_name,
        "middle_name": student.middle_name,
        "first_name": student.first_name,
        "birth_date": student.birth_date,
        "gender": student.gender_label,
        "ethnicity": student.ethnicity,
        "birthplace": student.birthplace,
        "address": student.address,
        "national_id": student.national_id,
        "class_name": school_class.name,
    }
    for guardian in student.guardians:
        if f"{guardian.relation}_name" in values:
            continue  # one per relation in the sheet; the first one wins
        values[f"{guardian.relation}_name"] = guardian.full_name
        values[f"{guardian.relation}_phone"] = guardian.phone
        values[f"{guardian.relation}_job"] = guardian.occupation
    return values
