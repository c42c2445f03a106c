"""The grid's cells as HTML, written in Python: the page renders ≈ 250 of them (and as many
averages and nhận xét cells), which as Jinja macro calls was half the grid's time.

One function per kind of cell, shared by the page (`grid_rows`), the htmx answer of a cell
save (`_cell_response.html`) and the nhận xét answer (`_remark.html`) through the macros in
gradebook/_macros.html, which only call these. Every value is escaped (markupsafe).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:
    from app.gradebook.grid import Averages, Grid

EXEMPT_BADGE = ' <span class="badge info" title="Miễn phần thực hành (R13); vẫn đánh giá phần lý thuyết">Miễn TH</span>'


def cell_html(
    student_id: int,
    full_name: str,
    column: Any,
    text: str,
    version: int,
    editable: bool,
    comment_subject: bool,
    cell_url: str,
    error: str | None = None,
    state: str | None = None,
    saved: str | None = None,
) -> str:
    """One score cell: an input when editable, else its text; the error under it."""
    label = f"{escape(column.long_label)} – {escape(full_name)}"
    mode = "text" if comment_subject else "decimal"
    return _cell(
        int(student_id), column.key, label, text, version, editable, mode, escape(cell_url), error, state, saved
    )


def _cell(
    sid: int,
    key: str,
    label: str,
    text: str,
    version: int,
    editable: bool,
    mode: str,
    url: str,
    error: str | None = None,
    state: str | None = None,
    saved: str | None = None,
) -> str:
    """`cell_html` with what is the same for a whole row or column already escaped
    (`label`: the aria-label, `url`: the save URL) — the page writes ≈ 250 of them."""
    classes = "cell"
    if state:
        classes += f" {escape(state)}"
    if error:
        classes += " has-error"
    parts = [f'<td id="cell-{sid}-{key}" class="{classes}">']
    if editable:
        value = escape(text) if text else ""
        original = value if saved is None else escape(saved)
        invalid = f' aria-invalid="true" aria-describedby="err-{sid}-{key}"' if error else ""
        parts.append(
            f'<input id="in-{sid}-{key}" class="cell-input" name="value" value="{value}"\n'
            '  autocomplete="off" spellcheck="false" maxlength="30"\n'
            f'  inputmode="{mode}"\n'
            f'  aria-label="{label}"\n'
            f'  data-original="{original}"\n'
            f'  hx-post="{url}" hx-trigger="change"\n'
            '  hx-target="closest td" hx-swap="outerHTML" hx-sync="closest .grade-grid:queue all"\n'
            f'  hx-vals=\'{{"student_id": {sid}, "column": "{key}", "version": {int(version)}}}\''
            f"{invalid}>"
        )
    else:
        parts.append(f'<span class="cell-text">{escape(text) if text else ""}</span>')
    if error:
        badge = '<strong class="unsaved-badge">Chưa lưu</strong> ' if state == "invalid" else ""
        parts.append(f'<small class="cell-error" id="err-{sid}-{key}" role="alert">{badge}{escape(error)}</small>')
    parts.append("</td>")
    return "".join(parts)


def avg_html(student_id: int, row: Averages, has_first_term: bool, oob: bool = False) -> str:
    """The row's ĐTBmhk (with the R3 warning) and, on an HK II grid, ĐTBmcn."""
    sid = int(student_id)
    swap = ' hx-swap-oob="true"' if oob else ""
    warning = escape(row.warning) if row.warning else ""
    title = f' title="{warning}"' if warning else ""
    badge = f' <span class="badge warn" aria-label="{warning}">!</span>' if warning else ""
    out = f'<td id="avg-{sid}" class="avg num"{swap}{title}>{escape(row.average)}{badge}</td>'
    if has_first_term:
        out += f'\n<td id="year-{sid}" class="avg num year"{swap}>{escape(row.year)}</td>'
    return out


def remark_html(
    student_id: int,
    full_name: str,
    text: str,
    version: int,
    editable: bool,
    remark_url: str,
    error: str | None = None,
    saved: bool = False,
) -> str:
    """One nhận xét cell."""
    sid = int(student_id)
    classes = "remark" + (" has-error" if error else "") + (" saved" if saved else "")
    out = f'<td id="remark-{sid}" class="{classes}">'
    if editable:
        value = escape(text)
        out += (
            f'<input id="rm-{sid}" class="remark-input" name="text" value="{value}" maxlength="1000"\n'
            f'  autocomplete="off" aria-label="Nhận xét – {escape(full_name)}" data-original="{value}"\n'
            f'  hx-post="{escape(remark_url)}" hx-trigger="change"\n'
            '  hx-target="closest td" hx-swap="outerHTML"\n'
            f'  hx-vals=\'{{"student_id": {sid}, "version": {int(version)}}}\'>'
        )
    else:
        out += f'<span class="remark-text">{escape(text)}</span>'
    if error:
        out += f'<small class="cell-error" role="alert">{escape(error)}</small>'
    return out + "</td>"


def grid_rows(
    grid: Grid,
    editable: bool,
    errors: Mapping[tuple[int, str], tuple[str | None, str]],
    cell_url: str,
    remark_url: str,
) -> Markup:
    """Every <tr> of the grid's body (the class list, or the empty-class line)."""
    if not grid.rows:
        return Markup('<tr><td colspan="12" class="muted">Lớp chưa có học sinh.</td></tr>')
    mode = "text" if grid.comment_subject else "decimal"
    url = escape(cell_url)
    labels = [(c.key, escape(c.long_label)) for c in grid.columns]
    out = []
    for row in grid.rows:
        sid, name = int(row.student.id), row.student.full_name
        safe_name = escape(name)
        line = [
            f'<tr data-student="{sid}">\n  <td class="num">{row.index}</td>\n',
            f'  <th scope="row" class="name" hx-disable>{safe_name}{EXEMPT_BADGE if row.exempt else ""}</th>\n',
        ]
        for c, (key, label) in zip(row.cells, labels, strict=True):
            err = errors.get((sid, key)) if errors else None
            text = err[0] if err and err[0] is not None else c.text
            message = err[1] if err else None
            html = _cell(sid, key, f"{label} – {safe_name}", text, c.version, editable, mode, url, message)
            line.append(f"  {html}\n")
        line.append(f"  {avg_html(sid, row, grid.has_first_term)}\n")
        line.append(f"  {remark_html(sid, name, row.comment_text, row.comment_version, editable, remark_url)}\n</tr>")
        out.append("".join(line))
    return Markup("\n".join(out))
