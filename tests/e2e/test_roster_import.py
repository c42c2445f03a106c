"""Journey (issue 2, definition of done): a newcomer imports a real class roster from Excel
and sees it sorted the Vietnamese way (R25)."""

from __future__ import annotations

import random
import unicodedata

import pytest
from openpyxl import Workbook

pytestmark = pytest.mark.e2e

# (họ, chữ đệm, tên) in Vietnamese order of tên: An < Ân < Bình < Dũng < Đức; Hà < Hả < Hã < Há < Hạ
ORDERED = [
    ("Lý", "Văn", "An"),
    ("Bùi", "Văn", "Ân"),
    ("Đỗ", "Thanh", "Bình"),
    ("Trần", "Quốc", "Dũng"),
    ("Nguyễn", "Minh", "Đức"),
    ("Lê", "Thị", "Hà"),
    ("Hồ", "Thị", "Hả"),
    ("Ngô", "Thu", "Hã"),
    ("Võ", "Thị", "Há"),
    ("Phạm", "Ngọc", "Hạ"),
]


def roster_file(path) -> None:  # type: ignore[no-untyped-def]
    rows = ORDERED[:]
    random.Random(2).shuffle(rows)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["TRƯỜNG THCS NGUYỄN DU — DANH SÁCH LỚP 10A3"])
    sheet.append(["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Họ tên mẹ", "SĐT mẹ"])
    for number, (last, middle, first) in enumerate(rows, start=1):
        full = f"{last} {middle} {first}"
        if number % 2:  # half the names typed on a Mac / copied from a web page: decomposed
            full = unicodedata.normalize("NFD", full)
        sheet.append(
            [
                number,
                f"E2E-{number:02d}",
                full,
                f"{number:02d}/{number % 9 + 1:02d}/2009",
                "Nữ" if middle in ("Thị", "Thu", "Ngọc") else "Nam",
                f"Mẹ Của {first}",
                f"09123456{number:02d}",
            ]
        )
    workbook.save(path)


def test_admin_imports_a_roster_and_sees_it_in_vietnamese_order(
    page, live_server, browser_login, school_fixture, make_class, tmp_path
) -> None:
    target = make_class(school_fixture.year, "10A3")
    path = tmp_path / "Danh sách lớp 10A3.xlsx"
    roster_file(path)

    browser_login(live_server, "admin")
    page.goto(f"{live_server}/school/classes/{target.id}")
    page.get_by_role("link", name="Nhập từ Excel").click()
    section = page.locator("#import-roster")
    section.wait_for()
    assert section.get_by_label("Lớp").input_value() == str(target.id)
    section.get_by_label("Tệp Excel (.xlsx)").set_input_files(str(path))
    section.get_by_role("button", name="Tải lên và xem trước").click()

    page.locator("#import-rows").wait_for()
    assert "Không có lỗi" in page.locator("#import-summary").inner_text()
    assert page.locator("#import-rows tbody tr").count() == len(ORDERED)
    page.get_by_role("button", name="Xác nhận nhập").click()

    page.locator("#import-done").wait_for()
    assert "Đã nhập 10 học sinh" in page.locator("#import-done").inner_text()
    page.get_by_role("link", name="Xem danh sách lớp").click()

    page.locator("#student-list").wait_for()
    shown = [
        unicodedata.normalize("NFC", row.inner_text())
        for row in page.locator("#student-list tbody tr td:nth-child(3)").all()
    ]
    assert shown == [f"{last} {middle} {first}" for last, middle, first in ORDERED]
    assert page.locator("#class-size").inner_text() == "10"
