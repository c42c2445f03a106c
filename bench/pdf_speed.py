"""PDFs per second: the builders (documents.* + app.reports.pdf.render) next to the raw
limit — reportlab's canvas drawing the same pages from a constant dict — in one process and
in 2 processes. Not a test; prints a table and writes bench/results/pdf.json.

    PYTHONPATH=$PWD .venv/bin/python bench/pdf_speed.py [--seconds 4]

"raw" is the floor of the cost on this machine: the same strings, grid and fonts (the
four Be Vietnam Pro faces embedded as subsets, pages compressed) drawn at fixed
coordinates, with nothing laid out, by stock reportlab (its TTFont: each face's subset made
and compressed per document). "raw, app fonts" is the same drawing with the app's fonts
(fonts.SharedSubsetFont: the Vietnamese letters' subset made once per process) — the
builder's cost beyond it is our own layout. "builder" is the pipeline's pure part: the payload
dict → frozen dataclass (NFC, decimal comma) → layout → footer (code, Trang x/y) → bytes.
The issuing pipeline adds the snapshot read, the file write and the DB row (part C).
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import multiprocessing as mp
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"


# ---------------------------------------------------------------------------- inputs


def payloads() -> dict[str, Any]:
    """A 13-subject HK I payload, an identity and three yearly payloads (a 4-page học bạ)."""
    from tests.reports.conftest import LONG_COMMENT, identity, term_payload, year_payload

    term = term_payload(comment="Tiếp thu tốt, cần cẩn thận hơn khi trình bày.", remark=LONG_COMMENT)
    years = []
    for i, name in enumerate(("2022-2023", "2023-2024", "2024-2025")):
        y = year_payload(kind="cn", comment="Tiến bộ rõ, tích cực phát biểu.")
        y["year"] = {"id": i + 1, "name": name}
        y["class"] = {"id": i + 1, "name": f"{6 + i}A1", "grade_level": 6 + i}
        years.append(y)
    return {"term": term, "identity": identity(), "years": years}


@functools.lru_cache(maxsize=1)
def _stamp() -> Any:
    """The stamp of every document of the bench (the builder's footer and the raw's alike)."""
    from app.reports.documents import Stamp
    from tests.reports.conftest import STAMP_AT

    return Stamp(
        "7KQ4-M2XD",
        STAMP_AT,
        "Trần Thị Hồng Nhung",
        verify_url="https://so.thcs-cau-ngang.edu.vn/verify/7KQ4-M2XD",
        audit_seq=123456,
        audit_hash="ab" * 32,
    )


def _day() -> Any:
    from app.reports.pdf.common import issued_day

    return issued_day(_stamp())


def constant_pages(inputs: dict[str, Any]) -> dict[str, Any]:
    """The same content as plain, pre-formatted strings (what raw drawing starts from): every
    string the builder prints — header, identity, every grid cell (wrapped cells pre-split
    into their lines), results, remark (pre-wrapped), signature blocks, the three footer lines
    on every page — and the same QR code (reportlab's encoder, one path per page)."""
    from reportlab.lib.utils import simpleSplit

    from app.core.vn import formal_date, format_datetime
    from app.reports import documents
    from app.reports.pdf import fonts

    fonts.register()

    def split(text: str, room: float, size: float = 8, font: str = fonts.REGULAR) -> list[str]:
        return simpleSplit(text, font, size, room) or [""]

    stamp = _stamp()
    footer = [
        f"Mã xác thực: {stamp.code} · Phát hành lúc {format_datetime(stamp.issued_at)} · "
        f"Người phát hành: {stamp.issued_by}",
        f"Kiểm tra tại: {stamp.verify_url} (hoặc quét mã QR)",
    ]
    card = documents.report_card(inputs["term"])
    r = card.results
    learning = r.learning
    bll = {
        "name": card.full_name, "class": card.class_name, "gvcn": card.gvcn, "ht": card.hieu_truong,
        "birth": card.birth_date, "title": f"{r.period_label} - Năm học {card.year_name}",
        "head": ["STT", "Môn học", "ĐĐGtx1", "ĐĐGtx2", "ĐĐGtx3", "ĐĐGtx4", "ĐĐGgk", "ĐĐGck", "ĐTBmhk",
                 "Nhận xét của giáo viên"],
        "rows": [[str(i), split(s.name, 96), *(list(s.hk1.tx) + [""] * 4)[:4], s.hk1.gk, s.hk1.ck, s.hk1.result,
                  split(s.hk1.comment, 170, 7)] for i, s in enumerate(r.subjects, 1)],
        "results": f"Kết quả rèn luyện: {r.conduct_of('hk1')}    Kết quả học tập: {learning.final if learning else ''}"
                   f"    Số buổi nghỉ: {r.absences[2]} (có phép {r.absences[0]}, không phép {r.absences[1]})",
        "adjusted": (f"Học tập được điều chỉnh từ mức {learning.computed} lên {learning.final}: {learning.reason}"
                     if learning and learning.adjusted else ""),
        "remark": split("Nhận xét của giáo viên chủ nhiệm: " + r.remark, 515, 9.5),
        "date": f"{card.school.place_name}, {formal_date(_day())}",
        "footer": footer,
    }  # fmt: skip
    book = documents.hoc_ba(inputs["identity"], inputs["years"])
    ident = book.identity
    years = []
    for y in book.years:
        yr = y.results
        term_learning = dict(y.term_learning)
        years.append({
            "who": f"Họ và tên: {ident.full_name}", "class": f"Lớp: {y.class_name}", "year": f"Năm học: {y.year_name}",
            "school": f"Trường: {y.school_name}",
            "rows": [[split(s.name, 116), s.hk1.result if s.hk1 else "", s.hk2.result if s.hk2 else "", s.year,
                      s.retest, split(s.comment, 190)] for s in yr.subjects],
            "corrections": yr.corrections,
            "levels": [["Kết quả", "Học kỳ I", "Học kỳ II", "Cả năm", "Sau rèn luyện, kiểm tra lại trong hè"],
                       ["Rèn luyện", yr.conduct_of("hk1"), yr.conduct_of("hk2"), yr.conduct_of("year"),
                        yr.conduct_of("summer")],
                       ["Học tập", term_learning.get("hk1", "—"), term_learning.get("hk2", "—"),
                        yr.learning.final if yr.learning else "—", ""]],
            "absences": f"Tổng số buổi nghỉ học cả năm: {yr.absences[2]} (có phép {yr.absences[0]}, "
                        f"không phép {yr.absences[1]})",
            "decision": f"Kết quả cuối năm: {yr.decision.outcome}" if yr.decision else "",
            "title": f"Danh hiệu: {yr.title or '—'}",
            "remark": split(yr.remark or "—", 515, 9.5),
            "date": f"{y.place_name}, {formal_date(y.approved_on or _day())}",
            "gvcn": y.gvcn, "ht": y.hieu_truong,
        })  # fmt: skip
    hoc_ba = {
        "name": ident.full_name, "level": book.level_title,
        "lines": [
            (f"Họ và tên: {ident.full_name}", f"Giới tính: {ident.gender}"),
            (f"Ngày sinh: {ident.birth_date}", f"Dân tộc: {ident.ethnicity}"),
            (f"Nơi sinh: {ident.birthplace}", ""), (f"Chỗ ở hiện tại: {ident.address}", ""),
            *[(f"Họ và tên {g.relation.lower()}: {g.full_name}   Nghề nghiệp: {g.occupation}", "")
              for g in ident.guardians],
            (f"Trường: {book.school.name}", f"Số đăng bộ: {ident.register_number}"),
        ],
        "schooling": [[s.year_name, s.class_name, split(", ".join(x for x in (s.school_name, s.place) if x), 230),
                       s.principal] for s in ident.schooling],
        "date": f"{book.school.place_name}, {formal_date(_day())}",
        "ht": book.years[-1].hieu_truong if book.years else "",
        "footer": [f"Học sinh: {ident.full_name} · Số đăng bộ: {ident.register_number}", *footer],
        "years": years,
    }  # fmt: skip
    return {"bll": bll, "hoc_ba": hoc_ba}


# ---------------------------------------------------------------------------- raw reportlab


class _Page:
    """The canvas calls the raw drawing uses, batched as the builder does: every string of
    a page in one text object (placed with setTextOrigin), every rule in one path, both
    drawn when the page is shown — the cheapest way reportlab's canvas offers."""

    def __init__(self, canv: Any) -> None:
        self.canv = canv
        self._new()

    def _new(self) -> None:
        self.text = self.canv.beginText()
        self.path = self.canv.beginPath()
        self.font: tuple[str, float] = ("", 0.0)

    def setFont(self, name: str, size: float) -> None:  # noqa: N802 (the canvas's names)
        self.font = (name, size)
        self.text.setFont(name, size)

    def drawString(self, x: float, y: float, s: str) -> None:  # noqa: N802
        self.text.setTextOrigin(x, y)
        self.text.textOut(s)

    def drawCentredString(self, x: float, y: float, s: str) -> None:  # noqa: N802
        self.drawString(x - self.canv.stringWidth(s, *self.font) / 2, y, s)

    def drawRightString(self, x: float, y: float, s: str) -> None:  # noqa: N802
        self.drawString(x - self.canv.stringWidth(s, *self.font), y, s)

    def line(self, x1: float, y1: float, x2: float, y2: float) -> None:
        self.path.moveTo(x1, y1)
        self.path.lineTo(x2, y2)

    def showPage(self) -> None:  # noqa: N802
        self.canv.drawText(self.text)
        self.canv.setLineWidth(0.5)
        self.canv.drawPath(self.path, stroke=1, fill=0)
        self.canv.showPage()
        self._new()

    def save(self) -> None:
        self.canv.save()


def _raw_header(c: Any, w: float, h: float, fonts: Any) -> None:
    c.setFont(fonts.REGULAR, 10)
    c.drawCentredString(150, h - 45, "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO HUYỆN CẦU NGANG")
    c.setFont(fonts.BOLD, 10)
    c.drawCentredString(150, h - 58, "TRƯỜNG THCS NGUYỄN TRÃI")
    c.line(125, h - 62, 175, h - 62)
    c.drawCentredString(420, h - 45, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.drawCentredString(420, h - 58, "Độc lập - Tự do - Hạnh phúc")
    c.line(360, h - 62, 480, h - 62)


def _raw_grid(c: Any, rows: list[list[Any]], xs: list[float], top: float, fonts: Any, size: float = 8) -> float:
    """Rows of cells (a string, or a wrapped cell's pre-split lines) at fixed columns."""
    y = top
    lead = size * 1.2
    right = xs[-1] + 120
    c.setFont(fonts.REGULAR, size)
    for row in rows:
        lines = max(len(cell) if isinstance(cell, list) else 1 for cell in row)
        y -= lines * lead + 4
        for x, cell in zip(xs, row, strict=False):
            if isinstance(cell, list):
                for k, line in enumerate(cell):
                    c.drawString(x + 2, y + 3 + (lines - 1 - k) * lead, line)
            else:
                c.drawString(x + 2, y + 3 + (lines - 1) * lead / 2, cell)
        c.line(xs[0], y, right, y)
    for x in [*xs, right]:
        c.line(x, top, x, y)
    return y


def _raw_footer(c: Any, page: int, total: int, lines: list[str], fonts: Any) -> None:
    from app.reports.pdf.common import QR_SIZE, QR_Y, draw_qr

    canv = c.canv
    if page == 1:  # encoded once per document (reportlab's encoder, one path) and shown on every page
        canv.beginForm("qr", 0, 0, QR_SIZE, QR_SIZE)
        draw_qr(canv, _stamp().verify_url or "", 0, 0)
        canv.endForm()
    canv.saveState()
    canv.translate(555 - QR_SIZE, QR_Y)
    canv.doForm("qr")
    canv.restoreState()
    c.line(40, 43, 515, 43)
    c.setFont(fonts.REGULAR, 7)
    c.drawRightString(515, 35, f"Trang {page}/{total}")
    y = 35.0
    for line in lines:
        c.drawString(40, y, line)
        y -= 8.5


def _raw_signatures(c: Any, y: float, date: str, captions: tuple[str, str], left: str, right: str, fonts: Any) -> None:
    c.setFont(fonts.ITALIC, 9.5)
    c.drawCentredString(420, y, date)
    c.setFont(fonts.BOLD, 9.5)
    if captions[0]:
        c.drawCentredString(150, y - 13, captions[0])
    c.drawCentredString(420, y - 13, captions[1])
    c.setFont(fonts.ITALIC, 9)
    if captions[0]:
        c.drawCentredString(150, y - 25, "(Ký, ghi rõ họ tên)")
    c.drawCentredString(420, y - 25, "(Ký tên, đóng dấu)")
    c.setFont(fonts.BOLD, 9.5)
    if left:
        c.drawCentredString(150, y - 85, left)
    c.drawCentredString(420, y - 85, right)


def _raw_canvas(buf: io.BytesIO, title: str, fonts: Any) -> Any:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from app.reports.pdf.common import metadata

    c = Canvas(buf, pagesize=A4, initialFontName=fonts.REGULAR, invariant=1, lang="vi-VN")
    subject, keywords = metadata(_stamp())
    c.setTitle(title)
    c.setSubject(subject)
    c.setKeywords(keywords)
    c.setAuthor("Sổ điện tử")
    c.setCreator("Sổ điện tử")
    c.setProducer("Sổ điện tử (reportlab)")
    return _Page(c)


def raw_bll(page: dict[str, Any], fonts: Any) -> bytes:
    from reportlab.lib.pagesizes import A4

    buf = io.BytesIO()
    c = _raw_canvas(buf, f"Báo liên lạc — {page['name']}", fonts)
    w, h = A4
    _raw_header(c, w, h, fonts)
    c.setFont(fonts.BOLD, 16)
    c.drawCentredString(w / 2, h - 95, "BÁO LIÊN LẠC")
    c.setFont(fonts.BOLD, 10)
    c.drawCentredString(w / 2, h - 110, page["title"])
    c.setFont(fonts.REGULAR, 9.5)
    c.drawString(40, h - 130, "Họ và tên học sinh: " + page["name"])
    c.drawString(350, h - 130, "Lớp: " + page["class"])
    c.drawString(40, h - 143, "Ngày sinh: " + page["birth"])
    c.drawString(350, h - 143, "Giáo viên chủ nhiệm: " + page["gvcn"])
    xs = [40.0, 56, 156, 187, 218, 249, 280, 311, 342, 378]
    y = _raw_grid(c, [page["head"], *page["rows"]], xs, h - 155, fonts)
    c.setFont(fonts.REGULAR, 9.5)
    c.drawString(40, y - 14, page["results"])
    y -= 28
    if page["adjusted"]:
        c.setFont(fonts.ITALIC, 8)
        c.drawString(40, y, page["adjusted"])
        c.setFont(fonts.REGULAR, 9.5)
        y -= 12
    for line in page["remark"]:
        c.drawString(40, y, line)
        y -= 12
    _raw_signatures(c, y - 10, page["date"], ("GIÁO VIÊN CHỦ NHIỆM", "HIỆU TRƯỞNG"), page["gvcn"], page["ht"], fonts)
    _raw_footer(c, 1, 1, page["footer"], fonts)
    c.showPage()
    c.save()
    return buf.getvalue()


def raw_hoc_ba(page: dict[str, Any], fonts: Any) -> bytes:
    from reportlab.lib.pagesizes import A4

    buf = io.BytesIO()
    c = _raw_canvas(buf, f"Học bạ — {page['name']}", fonts)
    w, h = A4
    total = 1 + len(page["years"])
    _raw_header(c, w, h, fonts)
    c.setFont(fonts.BOLD, 22)
    c.drawCentredString(w / 2, h - 120, "HỌC BẠ")
    c.setFont(fonts.BOLD, 10)
    c.drawCentredString(w / 2, h - 136, page["level"])
    c.setFont(fonts.REGULAR, 10)
    y = h - 170
    for left, right in page["lines"]:
        c.drawString(40, y, left)
        if right:
            c.drawString(360, y, right)
        y -= 15
    c.setFont(fonts.BOLD, 10)
    c.drawCentredString(w / 2, y - 10, "QUÁ TRÌNH HỌC TẬP")
    head = ["Năm học", "Lớp", "Tên trường và nơi trường đặt trụ sở", "Hiệu trưởng xác nhận"]
    _raw_grid(c, [head, *page["schooling"]], [40.0, 110, 160, 400], y - 20, fonts)
    _raw_signatures(c, 330, page["date"], ("", "HIỆU TRƯỞNG"), "", page["ht"], fonts)
    _raw_footer(c, 1, total, page["footer"], fonts)
    c.showPage()
    for n, year in enumerate(page["years"], start=2):
        c.setFont(fonts.REGULAR, 10)
        c.drawString(40, h - 40, year["who"])
        c.drawString(300, h - 40, year["class"])
        c.drawString(400, h - 40, year["year"])
        c.drawString(40, h - 53, year["school"])
        head = [["Môn học / hoạt động", "giáo dục"], "Học kỳ I", "Học kỳ II", "Cả năm", ["Kiểm tra", "lại"],
                "Nhận xét của giáo viên môn học"]  # fmt: skip
        y = _raw_grid(c, [head, *year["rows"]], [40.0, 160, 204, 248, 292, 340], h - 60, fonts)
        c.setFont(fonts.ITALIC, 8)
        c.drawString(40, y - 12, year["corrections"])
        y = _raw_grid(c, year["levels"], [40.0, 130, 210, 290, 370], y - 25, fonts)
        c.setFont(fonts.REGULAR, 9.5)
        c.drawString(40, y - 14, year["absences"])
        if year["decision"]:
            c.drawString(40, y - 27, year["decision"])
        c.drawString(40, y - 40, year["title"])
        c.setFont(fonts.BOLD, 9.5)
        c.drawString(40, y - 56, "NHẬN XÉT CỦA GIÁO VIÊN CHỦ NHIỆM")
        c.setFont(fonts.REGULAR, 9.5)
        y -= 69
        for line in year["remark"]:
            c.drawString(40, y, line)
            y -= 12
        captions = ("GIÁO VIÊN CHỦ NHIỆM", "PHÊ DUYỆT CỦA HIỆU TRƯỞNG")
        _raw_signatures(c, y - 10, year["date"], captions, year["gvcn"], year["ht"], fonts)
        _raw_footer(c, n, total, page["footer"], fonts)
        c.showPage()
    c.save()
    return buf.getvalue()


# ---------------------------------------------------------------------------- the builders


def builder_bll(inputs: dict[str, Any], stamp: Any) -> bytes:
    from app.reports import documents
    from app.reports.pdf import render

    return render(documents.report_card(inputs["term"]), stamp)


def builder_hoc_ba(inputs: dict[str, Any], stamp: Any) -> bytes:
    from app.reports import documents
    from app.reports.pdf import render

    return render(documents.hoc_ba(inputs["identity"], inputs["years"]), stamp)


# ---------------------------------------------------------------------------- measuring


@functools.lru_cache(maxsize=1)
def stock_fonts() -> Any:
    """The four Be Vietnam Pro faces registered again, as reportlab's own TTFont under names of
    their own: the raw drawing embeds them as stock reportlab does — every face's subset made
    and compressed per document. (The app's `fonts.SharedSubsetFont` makes its shared first
    subset once per process; "raw, app fonts" measures the raw drawing with those.)"""
    import types

    import fontpkg_be_vietnam_pro
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    names = {"REGULAR": "Regular", "BOLD": "Bold", "ITALIC": "Italic", "BOLD_ITALIC": "BoldItalic"}
    folder = fontpkg_be_vietnam_pro.ROOT / "files"
    for style in names.values():
        # straight into the registry: registerFont maps a second font of an already registered
        # face (the app's, by its PostScript name) to the first one
        name = f"Stock-BeVietnamPro-{style}"
        pdfmetrics._fonts[name] = TTFont(name, str(folder / f"BeVietnamPro-{style}.ttf"))
    return types.SimpleNamespace(**{key: f"Stock-BeVietnamPro-{style}" for key, style in names.items()})


def _job(name: str) -> Callable[[], bytes]:
    from app.reports.pdf import fonts

    fonts.register()
    inputs = payloads()
    pages = constant_pages(inputs)
    stamp = _stamp()
    stock = stock_fonts()
    return {
        "raw_bll": lambda: raw_bll(pages["bll"], stock),
        "raw_hoc_ba": lambda: raw_hoc_ba(pages["hoc_ba"], stock),
        "raw_app_fonts_bll": lambda: raw_bll(pages["bll"], fonts),
        "raw_app_fonts_hoc_ba": lambda: raw_hoc_ba(pages["hoc_ba"], fonts),
        "builder_bll": lambda: builder_bll(inputs, stamp),
        "builder_hoc_ba": lambda: builder_hoc_ba(inputs, stamp),
    }[name]


def _alternate(args: tuple[str, float]) -> dict[str, tuple[int, float, float]]:
    """Raw and builder of `doc` in alternating half-second slices for `seconds` after a
    warm-up, so a busy shared machine slows both alike: {kind: (documents, cpu s, wall s)}."""
    doc, seconds = args
    fns = {"raw": _job(f"raw_{doc}"), "builder": _job(f"builder_{doc}"), "raw_app_fonts": _job(f"raw_app_fonts_{doc}")}
    for fn in fns.values():
        for _ in range(3):
            fn()
    totals = {k: [0, 0.0, 0.0] for k in fns}
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        for kind, fn in fns.items():  # half-second slices: interleaved, yet each warm in the caches
            cpu, wall = time.process_time(), time.perf_counter()
            while time.perf_counter() - wall < 0.5:
                fn()
                totals[kind][0] += 1
            totals[kind][1] += time.process_time() - cpu
            totals[kind][2] += time.perf_counter() - wall
    return {k: (int(v[0]), v[1], v[2]) for k, v in totals.items()}


def measure_pair(doc: str, processes: int, seconds: float) -> dict[str, float]:
    """Per CPU-second of each process (the per-core speed) and per wall second over all of them."""
    if processes == 1:
        results = [_alternate((doc, seconds))]
    else:
        with mp.get_context("fork").Pool(processes) as pool:
            results = pool.map(_alternate, [(doc, seconds)] * processes)
    out: dict[str, float] = {}
    for kind in ("raw", "builder", "raw_app_fonts"):
        n = sum(r[kind][0] for r in results)
        cpu = sum(r[kind][1] for r in results)
        wall = max(r[kind][2] for r in results)
        out[f"{kind}_per_cpu_s"] = round(n / cpu, 1)
        out[f"{kind}_per_wall_s"] = round(n / wall, 1)
    out["ratio_cpu"] = round(out["builder_per_cpu_s"] / out["raw_per_cpu_s"], 3)
    out["ratio_cpu_to_raw_app_fonts"] = round(out["builder_per_cpu_s"] / out["raw_app_fonts_per_cpu_s"], 3)
    return out


def weasyprint_rate(seconds: float) -> float | None:
    try:
        import weasyprint  # type: ignore[import-not-found]
    except ImportError:
        return None
    rows = "".join(f"<tr><td>{i}</td><td>Môn {i}</td>" + "<td>8,5</td>" * 7 + "</tr>" for i in range(13))
    html = f"<html><body><h1>BÁO LIÊN LẠC</h1><p>Nguyễn Thị Ngọc Ánh</p><table>{rows}</table></body></html>"
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        weasyprint.HTML(string=html).write_pdf()
        n += 1
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=6.0)
    seconds = parser.parse_args().seconds
    figures: dict[str, Any] = {
        "machine": platform.platform(),
        "cpus": mp.cpu_count(),
        "load_average_before": list(os.getloadavg()),
        "seconds_per_run": seconds,
    }
    print(
        f"{'document':<9}{'procs':>6}{'raw/cpu-s':>11}{'builder/cpu-s':>15}{'ratio':>7}{'raw/s':>9}{'builder/s':>11}"
        f"{'raw app fonts/cpu-s':>21}{'ratio':>7}"
    )
    for doc in ("bll", "hoc_ba"):
        for procs in (1, 2):
            f = measure_pair(doc, procs, seconds)
            figures[f"{doc}_{procs}p"] = f
            print(
                f"{doc:<9}{procs:>6}{f['raw_per_cpu_s']:>11.1f}{f['builder_per_cpu_s']:>15.1f}{f['ratio_cpu']:>7.0%}"
                f"{f['raw_per_wall_s']:>9.1f}{f['builder_per_wall_s']:>11.1f}"
                f"{f['raw_app_fonts_per_cpu_s']:>21.1f}{f['ratio_cpu_to_raw_app_fonts']:>7.0%}"
            )
    wp = weasyprint_rate(seconds)
    figures["weasyprint_bll_per_s"] = None if wp is None else round(wp, 1)
    print("weasyprint: not installed" if wp is None else f"weasyprint (same page, 1 process): {wp:.1f}/s")
    per_core = figures["hoc_ba_1p"]["builder_per_cpu_s"]
    figures["seconds_for_1500_hoc_ba_on_2_free_cores"] = round(1500 / (2 * per_core), 1)
    figures["load_average_after"] = list(os.getloadavg())
    print(f"1,500 học bạ on 2 free cores (builder only): {figures['seconds_for_1500_hoc_ba_on_2_free_cores']} s")
    print(f"load average before/after: {figures['load_average_before']} / {figures['load_average_after']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pdf.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
