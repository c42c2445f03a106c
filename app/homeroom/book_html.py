"""The class book's rows as HTML, written in Python: a class of 40 with 13 subjects is
≈ 500 result cells, which as a Jinja loop per cell was most of the table's rendering.

Only the plain part of a row (STT, the name with its badges, the subjects' results) is
written here; the editable cells stay macros in homeroom/_macros.html (shared with the
answers of a save). Every value is escaped (markupsafe), as Jinja's autoescape would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from app.homeroom.summary import StudentLine

#: between the cells, the indentation of the row in _class_book.html (the same bytes as before)
_NEXT = "\n      "


def line_head(line: StudentLine) -> Markup:
    """STT, the student's name with a badge per exemption, then one cell per subject: its
    result ("—" when missing) and, for the year, the re-test result beside it."""
    badges = "".join(f' <span class="badge info" title="{escape(e)}">Miễn TH</span>' for e in line.exemptions)
    parts = [
        f'<td class="num">{int(line.index)}</td>{_NEXT}'
        f'<th scope="row" hx-disable>{escape(line.student.full_name)}{badges}</th>{_NEXT}'
    ]
    for m in line.marks:
        if m.text:
            cell = f'<td class="num">{escape(m.text)}'
        else:
            cell = '<td class="num missing">—'
        if m.retest:
            cell += f' <small title="Kết quả kiểm tra lại">→ {escape(m.retest)}</small>'
        parts.append(cell + "</td>")
    return Markup("".join(parts))
