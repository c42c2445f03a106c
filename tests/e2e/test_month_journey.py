"""Journey: at the end of October the GVCN of 10A1 opens the month's report on a phone or a
desktop, sees how many scores each student has by 31/10, writes the month's note and
publishes; the month then reads "đã công bố v1" and the student's history shows it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_close_journey import _on_screen, _overflows
from tests.gradebook.conftest import gb  # noqa: F401
from tests.results.test_month import at, month_snaps, typed  # noqa: F401

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", (1280, 375))
def test_gvcn_publishes_october(page, live_server, browser_login, gb, typed, app, width) -> None:  # noqa: F811
    first, second = gb.students_a1[0].id, gb.students_a1[1].id
    typed(at(2024, 10, 5), gb.t1, gb.toan_a1, [(first, "tx1", "8"), (first, "tx2", "7"), (second, "tx1", "9")])
    typed(at(2024, 11, 2), gb.t1, gb.toan_a1, [(second, "tx2", "6")])  # November: not in October
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, "gvcn")
    page.goto(f"{live_server}/results/{gb.c10a1.id}/months")
    october = page.locator('tr[data-month="2024-10"]')
    expect(october).to_contain_text("chưa công bố")
    october.get_by_role("link", name="Xem / công bố").click()
    page.wait_for_url(re.compile(r"month=2024-10"))
    counts = page.locator("#month-preview")
    expect(counts.locator(f'tr[data-student="{first}"] td[data-label="Số điểm"]')).to_have_text("2")
    expect(counts.locator(f'tr[data-student="{second}"] td[data-label="Số điểm"]')).to_have_text("1")
    page.get_by_label("Nhận xét").fill("Lớp học đều, cần nộp bài tập đúng hạn.")
    publish = page.locator("#publish-month button[type=submit]")
    assert _on_screen(page, publish) and not _overflows(page)
    publish.click()
    expect(page.locator('tr[data-month="2024-10"]')).to_contain_text("đã công bố v1")
    assert not _overflows(page)
    snaps = month_snaps(app, gb.c10a1.id, "2024-10")
    assert len(snaps) == len(gb.students_a1)
