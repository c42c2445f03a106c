"""The grid as an .xlsx in the layout schools keep (Sổ theo dõi và đánh giá học sinh).

Header block (school, title, môn / lớp / học kỳ / năm học, giáo viên), a two-row table
header (ĐĐGtx merged over TX1…TXn, then ĐĐGgk, ĐĐGck, ĐTBmhk, Nhận xét), one row per
student in R25 order, and the signature block. Scores are numbers with one decimal;
every cell is written through core.xlsx.write_cell (the one formula-injection guard,
CWE-1236), so a name or nhận xét can never become a formula. No database write here: the
export's audit event is services/transfer.record_export, in a transaction of its own.
"""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select

from app.core.vn import formal_date, format_date
from app.core.xlsx import write_cell
from app.extensions import db
from app.gradebook.grid import Grid
from app.gradebook.locking import today_local
from app.school.models import School

HEADER_ROW = 7  # first table header row; TX labels on the next row; data after
CODE_HEADER = "Mã học sinh"
COMMENT_HEADER = "Nhận xét"
_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def _styles(wb: Workbook) -> None:
    """Named styles, registered once per workbook (much faster than per-cell style objects)."""
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for name, font, align, fmt, border in (
        ("gb_text", None, None, None, _BOX),
        ("gb_center", None, center, None, _BOX),
        ("gb_num", None, center, "0.0", _BOX),
        ("gb_head", Font(bold=True), center, None, _BOX),
        ("gb_title", Font(bold=True), None, None, None),
        ("gb_plain", None, None, None, None),
        ("gb_plain_center", None, center, None, None),
    ):
        style = NamedStyle(name=name)
        if font:
            style.font = font
        if align:
            style.alignment = align
        if fmt:
            style.number_format = fmt
        if border:
            style.border = border
        wb.add_named_style(style)


def _put(ws: Worksheet, row: int, col: int, value: str | float | None, style: str = "gb_text") -> Cell:
    cell = write_cell(ws.cell(row=row, column=col), value)
    cell.style = style
    return cell


def build_xlsx(grid: Grid, teacher_name: str | None) -> tuple[str, bytes]:
    handle = grid.handle
    cls, subject, term = handle.school_class, handle.subject, handle.term
    school = db.session.scalars(select(School).limit(1)).first()
    wb = Workbook()
    _styles(wb)
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = f"{cls.name} {subject.code} HK{term.number}"[:31]
    n_tx = sum(1 for c in grid.columns if c.kind == "tx")
    last_col = 4 + len(grid.columns) + 2
    _put(ws, 1, 1, school.name.upper() if school else "", "gb_title")
    _put(ws, 3, 1, "SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH", "gb_title")
    ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=last_col)
    _put(
        ws,
        4,
        1,
        f"Môn học: {subject.name}    Lớp: {cls.name}    {term.name}    Năm học: {term.year.name}",
        "gb_plain_center",
    )
    ws.merge_cells(start_row=4, start_column=1, end_row=4, end_column=last_col)
    _put(ws, 5, 1, f"Giáo viên bộ môn: {teacher_name or ''}", "gb_plain")
    r = HEADER_ROW
    for col, label in enumerate(("STT", CODE_HEADER, "Họ và tên", "Ngày sinh"), start=1):
        _put(ws, r, col, label, "gb_head")
        _put(ws, r + 1, col, "", "gb_head")
        ws.merge_cells(start_row=r, start_column=col, end_row=r + 1, end_column=col)
    _put(ws, r, 5, "ĐĐGtx", "gb_head")
    if n_tx > 1:
        ws.merge_cells(start_row=r, start_column=5, end_row=r, end_column=4 + n_tx)
    for i, c in enumerate(grid.columns):
        if c.kind == "tx":
            _put(ws, r + 1, 5 + i, c.label, "gb_head")
        else:
            _put(ws, r, 5 + i, c.long_label, "gb_head")
            _put(ws, r + 1, 5 + i, c.label, "gb_head")
    avg_label = "KQ học kỳ" if grid.comment_subject else "ĐTBmhk"
    _put(ws, r, last_col - 1, avg_label, "gb_head")
    _put(ws, r + 1, last_col - 1, "", "gb_head")
    _put(ws, r, last_col, COMMENT_HEADER, "gb_head")
    _put(ws, r + 1, last_col, "", "gb_head")
    ws.merge_cells(start_row=r, start_column=last_col - 1, end_row=r + 1, end_column=last_col - 1)
    ws.merge_cells(start_row=r, start_column=last_col, end_row=r + 1, end_column=last_col)
    row = r + 2
    for gr in grid.rows:
        s = gr.student
        _put(ws, row, 1, gr.index, "gb_center")
        _put(ws, row, 2, s.student_code)
        _put(ws, row, 3, s.full_name)
        _put(ws, row, 4, format_date(s.birth_date), "gb_center")
        for i, cell in enumerate(gr.cells):
            sc = cell.score
            if sc is not None and sc.value is not None:
                _put(ws, row, 5 + i, float(sc.value), "gb_num")
            else:
                _put(ws, row, 5 + i, cell.text, "gb_center")
        if gr.average_value is not None:
            _put(ws, row, last_col - 1, float(gr.average_value), "gb_num")
        else:
            _put(ws, row, last_col - 1, gr.average, "gb_center")
        _put(ws, row, last_col, gr.comment_text)
        row += 1
    row += 1
    _put(ws, row, last_col - 3, f"…, {formal_date(today_local())}", "gb_plain")
    _put(ws, row + 1, last_col - 3, "Giáo viên bộ môn", "gb_title")
    _put(ws, row + 2, last_col - 3, "(Ký và ghi rõ họ tên)", "gb_plain")
    _put(ws, row + 5, last_col - 3, teacher_name or "", "gb_title")
    for col, width in {1: 5, 2: 14, 3: 28, 4: 12}.items():
        ws.column_dimensions[get_column_letter(col)].width = width
    for col in range(5, last_col):
        ws.column_dimensions[get_column_letter(col)].width = 8
    ws.column_dimensions[get_column_letter(last_col)].width = 40
    ws.freeze_panes = ws.cell(row=r + 2, column=5)
    buf = io.BytesIO()
    wb.save(buf)
    name = f"so-diem-{cls.name}-{subject.code}-hk{term.number}-{term.year.name}.xlsx"
    return name, buf.getvalue()
