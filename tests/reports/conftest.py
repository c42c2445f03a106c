"""Payload fixtures for the PDF builders, in the exact shapes of app/results/snapshots.py
(`header_of` + `student_body` + `snapshot_payload`; the month payload of
work/reports-interface.md), and helpers that read a PDF back with poppler (pdftotext,
pdffonts, pdftoppm)."""

from __future__ import annotations

import copy
import re
import subprocess
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

SCHOOL = {
    "name": "Trường THCS Nguyễn Trãi",
    "code": "TV-CN-01",
    "level": "THCS",
    "governing_body": "Phòng Giáo dục và Đào tạo huyện Cầu Ngang",
    "place_name": "Cầu Ngang",
    "province": "Trà Vinh",
}
#: (code, name, comment-assessed) — the 13 subjects and activities of a THCS timetable
SUBJECTS = [
    ("TOAN", "Toán", False), ("VAN", "Ngữ văn", False), ("TA", "Tiếng Anh", False),
    ("LSDL", "Lịch sử và Địa lí", False), ("KHTN", "Khoa học tự nhiên", False),
    ("GDCD", "Giáo dục công dân", False), ("CN", "Công nghệ", False), ("TIN", "Tin học", False),
    ("GDTC", "Giáo dục thể chất", True), ("AN", "Nghệ thuật (Âm nhạc)", True),
    ("MT", "Nghệ thuật (Mĩ thuật)", True), ("HDTN", "Hoạt động trải nghiệm, hướng nghiệp", True),
    ("GDDP", "Nội dung giáo dục của địa phương", True),
]  # fmt: skip
#: Toán of DOMAIN.md §4's worked example: tx 8, 7, 9, 6,5; gk 7,5; ck 8,0 → 7,7
TOAN_HK1 = {"tx": ["8.0", "7.0", "9.0", "6.5"], "gk": "7.5", "ck": "8.0", "result": "7.7", "comment": ""}
LONG_COMMENT = (
    "Em tiếp thu bài nhanh, chăm chỉ làm bài tập về nhà và tích cực phát biểu xây dựng bài; cần rèn thêm "
    "kĩ năng trình bày lời giải cho rõ ràng, cẩn thận hơn khi tính toán, đọc kĩ đề trước khi làm bài và "
    "chủ động hỏi thầy cô khi chưa hiểu. Gia đình nên nhắc em ôn bài đều đặn mỗi ngày, giữ gìn sức khỏe thật tốt."
)
assert len(LONG_COMMENT) >= 300
STAMP_AT = datetime(2026, 1, 5, 3, 30, tzinfo=UTC)  # 10:30 in Asia/Ho_Chi_Minh


def header(kind: str, *, label: str | None = None, period_ref: str = "", grade: int = 7) -> dict[str, Any]:
    labels = {"hk1": "Học kỳ I", "hk2": "Học kỳ II", "cn": "Cả năm", "he": "Sau kỳ nghỉ hè"}
    return {
        "schema": 1,
        "kind": kind,
        "period_ref": period_ref,
        "period_label": label or labels[kind],
        "rules_version": "tt22-2021.2",
        "school": dict(SCHOOL),
        "year": {"id": 3, "name": "2024-2025"},
        "class": {"id": 11, "name": f"{grade}A1", "grade_level": grade},
        "names": {"gvcn": "Trần Thị Hồng Nhung", "hieu_truong": "Nguyễn Văn Hiệu"},
        "settings": {"r7_reading": "one_step_above_computed", "r7_counts_comment_subjects": True,
                     "missed_test_rule": "zero"},
    }  # fmt: skip


def term_entry(i: int, by_comment: bool, comment: str = "", *, month: bool = False) -> dict[str, Any]:
    if by_comment:
        return {"tx": ["Đ", "Đ"], "gk": "Đ", "ck": None if month else "Đ", "result": None if month else "Đ",
                "comment": comment}  # fmt: skip
    if i == 0:
        entry = {**copy.deepcopy(TOAN_HK1), "comment": comment}  # a copy: callers may change its lists
    else:
        v = f"{6 + i % 4}.{(i * 3) % 10}"
        entry = {"tx": [v, "8.0", v, "7.5"], "gk": v, "ck": v, "result": v, "comment": comment}
    if month:
        entry.update({"tx": entry["tx"][:2] + [None, None], "ck": None, "result": None})
    return entry


def student(n: int, full_name: str) -> dict[str, Any]:
    return {"id": 100 + n, "code": f"HS{n:05d}", "register_number": f"{n}/2021", "full_name": full_name,
            "birth_date": "2012-05-17", "gender": "nu" if n % 2 else "nam"}  # fmt: skip


def term_payload(
    full_name: str = "Nguyễn Thị Ngọc Ánh",
    kind: str = "hk1",
    *,
    n: int = 1,
    subjects: int = 13,
    comment: str = "",
    remark: str = "Em ngoan, lễ phép, tích cực tham gia các hoạt động tập thể của lớp.",
) -> dict[str, Any]:
    keys = ["hk1"] if kind == "hk1" else ["hk2"] if kind == "hk2" else ["hk1", "hk2"]
    subject_rows = []
    for i, (code, name, by_comment) in enumerate(SUBJECTS[:subjects]):
        row: dict[str, Any] = {
            "code": code,
            "name": name,
            "assessment": "comment" if by_comment else "score",
            "terms": {k: term_entry(i, by_comment, comment) for k in keys},
        }
        subject_rows.append(row)
    body: dict[str, Any] = {
        "student": student(n, full_name),
        "subjects": subject_rows,
        "learning": {"computed": "Đạt", "final": "Khá", "adjusted": True,
                     "reason": "Điều 9 khoản 3: chỉ một môn làm giảm mức, được nâng một mức.", "causes": ["Tin học"]},
        "conduct": {kind: "Tốt"},
        "absences": {"excused": 2, "unexcused": 1, "total": 3},
        "remark": remark,
        "exemptions": [],
        "corrections": {"count": 0, "subjects": []},
        "homeroom_corrections": 0,
    }  # fmt: skip
    close = {"approved_at": "2025-01-10T02:00:00+00:00", "approved_by": "Nguyễn Văn Hiệu",
             "document_sha256": "0" * 64, "record_id": 7, "record_version": 1}  # fmt: skip
    return {**header(kind if kind in ("hk1", "hk2") else "hk1"), **body, "kind": kind, "close": close, "revision": None}


def year_payload(full_name: str = "Nguyễn Thị Ngọc Ánh", kind: str = "cn", *, n: int = 1, **kw: Any) -> dict[str, Any]:
    p = term_payload(full_name, kind, n=n, **kw)
    p.update(header(kind))
    for i, s in enumerate(p["subjects"]):
        s["year"] = s["terms"]["hk1"]["result"] if s["assessment"] == "comment" else ("8.2" if i == 0 else "6.9")
        s["retest"] = None
    p["subjects"][7]["year"] = "4.5"
    p["conduct"] = {"hk1": "Khá", "hk2": "Tốt", "year": "Tốt"}
    p["absences"] = {"excused": 4, "unexcused": 1, "total": 5}
    p["title"] = "Học sinh Giỏi"
    p["decision"] = {"outcome": "Được lên lớp", "status": "final", "reason": "", "retest_subjects": [],
                     "conduct_year": "Tốt", "conduct_after_summer": None, "learning_after_retest": None}  # fmt: skip
    if kind == "he":
        p["conduct"]["summer"] = None
        p["subjects"][7]["retest"] = "6.0"
        p["title"] = None
        p["decision"] = {
            "outcome": "Được lên lớp", "status": "final", "retest_subjects": ["Tin học"],
            "reason": "Sau kiểm tra lại môn Tin học, học tập đạt mức Đạt.", "conduct_year": "Tốt",
            "conduct_after_summer": None,
            "learning_after_retest": {"computed": "Đạt", "final": "Đạt", "adjusted": False, "reason": "", "causes": []},
        }  # fmt: skip
    p["learning"] = {"computed": "Khá", "final": "Khá", "adjusted": False, "reason": "", "causes": []}
    return p


def month_payload(full_name: str = "Nguyễn Thị Ngọc Ánh", *, n: int = 1) -> dict[str, Any]:
    subjects = []
    for i, (code, name, by_comment) in enumerate(SUBJECTS):
        subjects.append({"code": code, "name": name, "assessment": "comment" if by_comment else "score",
                         "terms": {"hk1": term_entry(i, by_comment, month=True)}})  # fmt: skip
    return {
        **header("hk1", label="Tháng 10/2024", period_ref="2024-10"),
        "kind": "month",
        "student": student(n, full_name),
        "month": {"first_day": "2024-10-01", "last_day": "2024-10-31", "term": "hk1"},
        "subjects": subjects,
        "learning": None,
        "conduct": {},
        "absences": {"excused": 1, "unexcused": 0, "total": 1},
        "remark": "Tháng này em tiến bộ ở môn Toán.",
        "exemptions": [],
        "corrections": {"count": 0, "subjects": []},
        "homeroom_corrections": 0,
        "close": {"published_at": "2024-11-01T01:00:00+00:00", "published_by": "Trần Thị Hồng Nhung"},
        "revision": None,
    }


def identity(full_name: str = "Nguyễn Thị Ngọc Ánh") -> dict[str, Any]:
    return {
        "full_name": full_name, "gender": "Nữ", "birth_date": "2012-05-17",
        "birthplace": "Xã Kim Hòa, huyện Cầu Ngang, tỉnh Trà Vinh", "ethnicity": "Khmer",
        "address": "Ấp Mỹ Cẩm A, xã Mỹ Long, huyện Cầu Ngang", "register_number": "125/2021",
        "student_code": "HS00001", "moet_id": "8400000001",
        "guardians": [{"relation_label": "Cha", "full_name": "Thạch Văn Sơn", "occupation": "Nông dân"},
                      {"relation_label": "Mẹ", "full_name": "Kim Thị Lan", "occupation": "Buôn bán"}],
        "school": {k: SCHOOL[k] for k in ("name", "governing_body", "place_name", "province")},
        "schooling": [
            {"year_name": "2023-2024", "class_name": "6A1", "school_name": "Trường THCS Nguyễn Trãi",
             "place": "huyện Cầu Ngang, tỉnh Trà Vinh", "principal": "Lê Văn Cũ"},
            {"year_name": "2024-2025", "class_name": "7A1", "school_name": "Trường THCS Nguyễn Trãi",
             "place": "huyện Cầu Ngang, tỉnh Trà Vinh", "principal": "Nguyễn Văn Hiệu"},
        ],
    }  # fmt: skip


def two_years(full_name: str = "Nguyễn Thị Ngọc Ánh") -> list[dict[str, Any]]:
    first = year_payload(full_name, "cn")
    first["year"] = {"id": 2, "name": "2023-2024"}
    first["class"] = {"id": 5, "name": "6A1", "grade_level": 6}
    second = year_payload(full_name, "he")
    second["corrections"] = {"count": 2, "subjects": ["Ngữ văn", "Toán"]}
    return [first, second]


CLASS_NAMES = ["Nguyễn Thị Ngọc Ánh", "Trần Văn Bình", "Lê Hoàng Cường", "Phạm Thị Diễm", "Thạch Sô Phia"]


@pytest.fixture
def stamp():  # type: ignore[no-untyped-def]
    from app.reports.documents import Stamp

    return Stamp(code="7KQ4-M2XD", issued_at=STAMP_AT, issued_by="Trần Thị Hồng Nhung")


def nfd(value: str) -> str:
    return unicodedata.normalize("NFD", value)


def deep(value: Any) -> Any:
    return copy.deepcopy(value)


# ---------------------------------------------------------------------------- reading PDFs back


def pdf_text(data: bytes, tmp: Path, page: int | None = None) -> str:
    path = tmp / "text.pdf"
    path.write_bytes(data)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *pages, str(path), "-"], capture_output=True, text=True, check=True
    )
    return unicodedata.normalize("NFC", out.stdout)


def flat(text: str) -> str:
    """pdftotext's lines joined (a wrapped sentence reads as one)."""
    return re.sub(r"\s+", " ", text)


def pdf_fonts(data: bytes, tmp: Path) -> list[list[str]]:
    path = tmp / "fonts.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split() for line in out.splitlines()[2:] if line.strip()]


def page_count(data: bytes, tmp: Path) -> int:
    path = tmp / "info.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))  # type: ignore[union-attr]


def render_png(data: bytes, tmp: Path) -> list[Path]:
    path = tmp / "png.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftoppm", "-r", "50", "-png", str(path), str(tmp / "page")], capture_output=True, check=False
    )
    assert out.returncode == 0, out.stderr
    return sorted(tmp.glob("page*.png"))


def words(data: bytes, tmp: Path) -> list[tuple[int, str, float, float, float, float, float]]:
    """Every word as (page, text, xMin, yMin, xMax, yMax, page height) — poppler's -bbox, y from the top."""
    path = tmp / "bbox.pdf"
    path.write_bytes(data)
    html = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for n, page in enumerate(re.findall(r"<page (.*?)</page>", html, re.S), start=1):
        height = float(re.search(r'height="([\d.]+)"', page).group(1))  # type: ignore[union-attr]
        for m in re.finditer(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page
        ):
            x1, y1, x2, y2, word = m.groups()
            out.append((n, unicodedata.normalize("NFC", word), float(x1), float(y1), float(x2), float(y2), height))
    return out
