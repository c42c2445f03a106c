"""PDFs per second: the builders (documents.* + app.reports.pdf.render) next to the raw
limit — reportlab's canvas drawing the same pages from a constant dict — in one process and
in 2 processes. Not a test; prints a table and writes bench/results/pdf.json.

    PYTHONPATH=$PWD .venv/bin/python bench/pdf_speed.py [--seconds 4]

"raw" is the floor of the cost on this machine: the same strings, grid and fonts (the
four Be Vietnam Pro faces embedded as subsets, pages compressed) drawn at fixed
coordinates, with nothing laid out. "builder" is the pipeline's pure part: the payload
dict → frozen dataclass (NFC, decimal comma) → layout → footer (code, Trang x/y) → bytes.
The issuing pipeline adds the snapshot read, the file write and the DB row (part C).
"""

from __future__ import annotations

import argparse
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


def constant_pages(inputs: dict[str, Any]) -> dict[str, Any]:
    """The same content as plain, pre-formatted strings (what raw drawing starts from)."""
    from app.reports import documents

    card = documents.report_card(inputs["term"])
    r = card.results
    bll = {
        "name": card.full_name, "class": card.class_name, "gvcn": card.gvcn, "ht": card.hieu_truong,
        "head": ["STT", "Môn học", "ĐĐGtx1", "ĐĐGtx2", "ĐĐGtx3", "ĐĐGtx4", "ĐĐGgk", "ĐĐGck", "ĐTBmhk", "Nhận xét"],
        "rows": [[str(i), s.name, *(list(s.hk1.tx) + [""] * 4)[:4], s.hk1.gk, s.hk1.ck, s.hk1.result, s.hk1.comment]
                 for i, s in enumerate(r.subjects, 1)],
        "remark": r.remark,
    }  # fmt: skip
    book = documents.hoc_ba(inputs["identity"], inputs["years"])
    years = [
        [[s.name, s.hk1.result, s.hk2.result, s.year, s.retest, s.comment] for s in y.results.subjects]
        for y in book.years
    ]
    ident = book.identity
    hoc_ba = {"name": ident.full_name, "lines": [
        f"Họ và tên: {ident.full_name}", f"Giới tính: {ident.gender}", f"Ngày sinh: {ident.birth_date}",
        f"Nơi sinh: {ident.birthplace}", f"Dân tộc: {ident.ethnicity}", f"Chỗ ở hiện tại: {ident.address}",
        *[f"Họ và tên {g.relation.lower()}: {g.full_name}   Nghề nghiệp: {g.occupation}" for g in ident.guardians],
        f"Số đăng bộ: {ident.register_number}"], "years": years}  # fmt: skip
    return {"bll": bll, "hoc_ba": hoc_ba}


# ---------------------------------------------------------------------------- raw reportlab


def _raw_header(c: Any, w: float, h: float, fonts: Any) -> None:
    c.setFont(fonts.REGULAR, 10)
    c.drawCentredString(150, h - 45, "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO HUYỆN CẦU NGANG")
    c.setFont(fonts.BOLD, 10)
    c.drawCentredString(150, h - 58, "TRƯỜNG THCS NGUYỄN TRÃI")
    c.drawCentredString(420, h - 45, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.drawCentredString(420, h - 58, "Độc lập - Tự do - Hạnh phúc")
    c.line(360, h - 62, 480, h - 62)


def _raw_grid(c: Any, rows: list[list[str]], xs: list[float], top: float, fonts: Any, size: float = 8) -> float:
    y = top
    c.setFont(fonts.REGULAR, size)
    for row in rows:
        y -= size * 1.8
        for x, cell in zip(xs, row, strict=False):
            c.drawString(x + 2, y + 4, cell[:60])
        c.line(xs[0], y, xs[-1] + 120, y)
    for x in xs:
        c.line(x, top, x, y)
    return y


def _raw_footer(c: Any, page: int, total: int, fonts: Any) -> None:
    c.setFont(fonts.REGULAR, 7)
    c.drawString(
        40, 30, "Mã xác thực: 7KQ4-M2XD · Phát hành lúc 05/01/2026 10:30 · Người phát hành: Trần Thị Hồng Nhung"
    )
    c.drawRightString(555, 30, f"Trang {page}/{total}")


def _raw_signatures(c: Any, y: float, left: str, right: str, fonts: Any) -> None:
    c.setFont(fonts.ITALIC, 9)
    c.drawCentredString(420, y, "Cầu Ngang, ngày 05 tháng 01 năm 2026")
    c.setFont(fonts.BOLD, 9.5)
    c.drawCentredString(150, y - 13, "GIÁO VIÊN CHỦ NHIỆM")
    c.drawCentredString(420, y - 13, "HIỆU TRƯỞNG")
    c.setFont(fonts.ITALIC, 9)
    c.drawCentredString(150, y - 25, "(Ký, ghi rõ họ tên)")
    c.drawCentredString(420, y - 25, "(Ký tên, đóng dấu)")
    c.setFont(fonts.BOLD, 9.5)
    c.drawCentredString(150, y - 85, left)
    c.drawCentredString(420, y - 85, right)


def raw_bll(page: dict[str, Any]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen.canvas import Canvas

    from app.reports.pdf import fonts

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, initialFontName=fonts.REGULAR, invariant=1)
    w, h = A4
    _raw_header(c, w, h, fonts)
    c.setFont(fonts.BOLD, 16)
    c.drawCentredString(w / 2, h - 95, "BÁO LIÊN LẠC")
    c.setFont(fonts.BOLD, 10)
    c.drawCentredString(w / 2, h - 110, "Học kỳ I - Năm học 2024-2025")
    c.setFont(fonts.REGULAR, 9.5)
    c.drawString(40, h - 130, "Họ và tên học sinh: " + page["name"])
    c.drawString(350, h - 130, "Lớp: " + page["class"])
    c.drawString(350, h - 143, "Giáo viên chủ nhiệm: " + page["gvcn"])
    xs = [40.0, 56, 156, 187, 218, 249, 280, 311, 342, 378]
    y = _raw_grid(c, [page["head"], *page["rows"]], xs, h - 155, fonts)
    c.setFont(fonts.REGULAR, 9.5)
    c.drawString(
        40, y - 14, "Kết quả rèn luyện: Tốt    Kết quả học tập: Khá    Số buổi nghỉ: 3 (có phép 2, không phép 1)"
    )
    y -= 28
    for line in simpleSplit("Nhận xét của giáo viên chủ nhiệm: " + page["remark"], fonts.REGULAR, 9.5, 515):
        c.drawString(40, y, line)
        y -= 12
    _raw_signatures(c, y - 10, page["gvcn"], page["ht"], fonts)
    _raw_footer(c, 1, 1, fonts)
    c.showPage()
    c.save()
    return buf.getvalue()


def raw_hoc_ba(page: dict[str, Any]) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    from app.reports.pdf import fonts

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, initialFontName=fonts.REGULAR, invariant=1)
    w, h = A4
    total = 1 + len(page["years"])
    _raw_header(c, w, h, fonts)
    c.setFont(fonts.BOLD, 22)
    c.drawCentredString(w / 2, h - 120, "HỌC BẠ")
    c.setFont(fonts.REGULAR, 10)
    y = h - 170
    for line in page["lines"]:
        c.drawString(40, y, line)
        y -= 15
    _raw_grid(c, [["Năm học", "Lớp", "Tên trường", "Hiệu trưởng"], ["2022-2023", "6A1", "Trường THCS Nguyễn Trãi", ""]],
              [40.0, 110, 160, 400], y - 20, fonts)  # fmt: skip
    _raw_signatures(c, 330, "", "Nguyễn Văn Hiệu", fonts)
    _raw_footer(c, 1, total, fonts)
    c.showPage()
    for n, rows in enumerate(page["years"], start=2):
        c.setFont(fonts.REGULAR, 10)
        c.drawString(40, h - 40, f"Họ và tên: {page['name']}    Lớp: 7A1    Năm học: 2024-2025")
        head = ["Môn học", "Học kỳ I", "Học kỳ II", "Cả năm", "KT lại", "Nhận xét của giáo viên"]
        y = _raw_grid(c, [head, *rows], [40.0, 160, 204, 248, 292, 340], h - 55, fonts)
        c.setFont(fonts.REGULAR, 9)
        c.drawString(40, y - 12, "Trong bảng này không có chỗ nào sửa chữa.")
        levels = [
            ["Kết quả", "HK I", "HK II", "Cả năm"],
            ["Rèn luyện", "Khá", "Tốt", "Tốt"],
            ["Học tập", "—", "—", "Khá"],
        ]
        _raw_grid(c, levels, [40.0, 130, 220, 310], y - 25, fonts)
        c.setFont(fonts.REGULAR, 9.5)
        c.drawString(
            40, y - 100, "Tổng số buổi nghỉ học cả năm: 5    Kết quả cuối năm: Được lên lớp    Danh hiệu: Học sinh Giỏi"
        )
        c.drawString(40, y - 115, "Nhận xét của giáo viên chủ nhiệm: Em ngoan, lễ phép, tích cực.")
        _raw_signatures(c, y - 140, "Trần Thị Hồng Nhung", "Nguyễn Văn Hiệu", fonts)
        _raw_footer(c, n, total, fonts)
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


def _job(name: str) -> Callable[[], bytes]:
    from app.reports.documents import Stamp
    from app.reports.pdf import fonts
    from tests.reports.conftest import STAMP_AT

    fonts.register()
    inputs = payloads()
    pages = constant_pages(inputs)
    stamp = Stamp(
        "7KQ4-M2XD",
        STAMP_AT,
        "Trần Thị Hồng Nhung",
        verify_url="https://so.thcs-cau-ngang.edu.vn/verify/7KQ4-M2XD",
        audit_seq=123456,
        audit_hash="ab" * 32,
    )
    return {
        "raw_bll": lambda: raw_bll(pages["bll"]),
        "raw_hoc_ba": lambda: raw_hoc_ba(pages["hoc_ba"]),
        "builder_bll": lambda: builder_bll(inputs, stamp),
        "builder_hoc_ba": lambda: builder_hoc_ba(inputs, stamp),
    }[name]


def _alternate(args: tuple[str, float]) -> dict[str, tuple[int, float, float]]:
    """Raw and builder of `doc` in alternating half-second slices for `seconds` after a
    warm-up, so a busy shared machine slows both alike: {kind: (documents, cpu s, wall s)}."""
    doc, seconds = args
    fns = {"raw": _job(f"raw_{doc}"), "builder": _job(f"builder_{doc}")}
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
    for kind in ("raw", "builder"):
        n = sum(r[kind][0] for r in results)
        cpu = sum(r[kind][1] for r in results)
        wall = max(r[kind][2] for r in results)
        out[f"{kind}_per_cpu_s"] = round(n / cpu, 1)
        out[f"{kind}_per_wall_s"] = round(n / wall, 1)
    out["ratio_cpu"] = round(out["builder_per_cpu_s"] / out["raw_per_cpu_s"], 3)
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
    print(f"{'document':<9}{'procs':>6}{'raw/cpu-s':>11}{'builder/cpu-s':>15}{'ratio':>7}{'raw/s':>9}{'builder/s':>11}")
    for doc in ("bll", "hoc_ba"):
        for procs in (1, 2):
            f = measure_pair(doc, procs, seconds)
            figures[f"{doc}_{procs}p"] = f
            print(
                f"{doc:<9}{procs:>6}{f['raw_per_cpu_s']:>11.1f}{f['builder_per_cpu_s']:>15.1f}{f['ratio_cpu']:>7.0%}"
                f"{f['raw_per_wall_s']:>9.1f}{f['builder_per_wall_s']:>11.1f}"
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
