"""Journey (issue 9, part 3): the quản trị moves a student to another class from a date,
enters the years the student spent at another school, and the history is on the student
page; the old class's list no longer has the student, the new one does. At 1280 px."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e


def test_admin_moves_a_student_and_records_the_prior_school(
    page, live_server, browser_login, school_fixture, console_guard
) -> None:
    fx = school_fixture
    student = fx.students_a1[0]
    console_guard.allow(422)  # a date before the student joined is refused on purpose
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(live_server, "admin")

    page.goto(f"{live_server}/school/classes/{fx.c10a1.id}")
    page.locator("#student-list").get_by_role("link", name=student.full_name).click()
    page.locator("#enrollment-history").wait_for()
    move = page.locator("#move-form")

    # a day the student was not yet in 10A1: refused in place, with the reason
    move.get_by_label("Chuyển sang lớp").select_option(label="10A2")
    move.get_by_label("Từ ngày").fill("01/09/2024")
    move.get_by_role("button", name="Chuyển lớp").click()
    page.locator("#move-form .flash-error").wait_for()
    assert "Ngày chuyển lớp phải trong năm học 2024-2025" in page.locator("#move-form").inner_text()

    move = page.locator("#move-form")
    move.get_by_label("Chuyển sang lớp").select_option(label="10A2")
    move.get_by_label("Từ ngày").fill("20/01/2025")
    move.get_by_role("button", name="Chuyển lớp").click()
    page.get_by_text("Đã chuyển Nguyễn Canary-A01 Bích sang lớp 10A2 từ ngày 20/01/2025.").wait_for()
    assert page.url.endswith(f"/school/students/{student.id}")
    assert page.locator(".crumbs").inner_text() == "Lớp 10A2"
    rows = page.locator("#enrollment-history tbody tr")
    assert rows.count() == 2
    assert re.sub(r"\s+", " ", rows.nth(0).inner_text()).strip() == "2024-2025 10A1 05/09/2024 19/01/2025 Chuyển lớp"
    assert re.sub(r"\s+", " ", rows.nth(1).inner_text()).strip() == "2024-2025 10A2 20/01/2025 nay Đang học"
    assert "đang học lớp 10A2" in page.locator("#move-form").inner_text()

    schooling = page.locator("#schooling-form")
    schooling.get_by_label("Năm học").fill("2023-2024")
    schooling.get_by_label("Lớp").fill("9A2")
    schooling.get_by_label("Trường").fill("Trường THCS Mỹ Long")
    schooling.get_by_label("Nơi (huyện, tỉnh)").fill("huyện Cầu Ngang, tỉnh Trà Vinh")
    schooling.get_by_role("button", name="Thêm").click()
    page.locator("#prior-schooling tbody tr", has_text="Trường THCS Mỹ Long").wait_for()
    assert "Đã thêm một năm học ở trường khác." in page.locator("main").inner_text()
    # nothing on the page runs off its right edge at 1280 px
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    page.goto(f"{live_server}/school/classes/{fx.c10a1.id}")
    assert student.full_name not in page.locator("#student-list").inner_text()
    page.goto(f"{live_server}/school/classes/{fx.c10a2.id}")
    assert student.full_name in page.locator("#student-list").inner_text()
