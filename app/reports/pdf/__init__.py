"""STAND-IN for part A's PDF builders (branch reports-pdf): `render(document, stamp)` with
the interface's signature, one plain page per document in Be Vietnam Pro. Replaced by A's
package on merge."""

from __future__ import annotations

import io
from functools import cache

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from app.reports.documents import ClassBook, HocBa, ReportCard, Stamp

FONT = "BeVietnamPro"


@cache
def _font() -> str:
    import fontpkg_be_vietnam_pro

    pdfmetrics.registerFont(TTFont(FONT, str(fontpkg_be_vietnam_pro.ROOT / "files" / "BeVietnamPro-Regular.ttf")))
    return FONT


def _lines(document: ReportCard | HocBa | ClassBook) -> list[str]:
    if isinstance(document, ReportCard):
        head = [document.school_name, "PHIẾU BÁO KẾT QUẢ HỌC TẬP", f"Học sinh: {document.student_name}"]
        head += [f"Lớp {document.class_name} · năm học {document.year_name} · {document.period_label}"]
        return head + [f"{name}: {result}" for name, result in document.subjects] + [document.remark]
    if isinstance(document, HocBa):
        head = ["HỌC BẠ", f"Học sinh: {document.student_name}", f"Số đăng bộ: {document.register_number}"]
        return head + [f"Năm học {year}: lớp {cls}" for year, cls in document.years]
    head = ["SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH", f"Lớp {document.class_name} · năm học {document.year_name}"]
    return head + [document.period_label] + [f"{n}. {name}" for n, name in enumerate(document.students, 1)]


def render(document: ReportCard | HocBa | ClassBook, stamp: Stamp) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1, initialFontName=_font(), initialFontSize=11)
    y = A4[1] - 60
    for line in _lines(document):
        pdf.drawString(50, y, line)
        y -= 16
        if y < 60:
            pdf.showPage()
            pdf.setFont(FONT, 11)
            y = A4[1] - 60
    footer = f"Mã kiểm tra: {stamp.code} · {stamp.issued_by}"
    if stamp.supersedes:
        footer += f" · Bản này thay thế bản {stamp.supersedes}"
    pdf.drawString(50, 30, footer)
    pdf.save()
    return out.getvalue()
