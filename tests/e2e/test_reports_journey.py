"""Journey: the GVCN of 10A1 opens "Báo liên lạc / Học bạ", previews one student's báo liên
lạc of HK I, prints the whole class in one click, watches the progress bar reach 3 / 3
(htmx polling the job's row; through a reload and a new login) and downloads the merged PDF — at 1280 px and 375 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.gradebook.conftest import gb  # noqa: F401
from tests.results.conftest import prepare_hk1

pytestmark = pytest.mark.e2e
WIDTHS = (1280, 375)


@pytest.fixture
def closed(app, gb, as_user):  # type: ignore[no-untyped-def]  # noqa: F811
    ns = prepare_hk1(gb, as_user)
    ns.close_hk1()
    app.config["SODIENTU_REPORT_PAUSE"] = 0.6  # slow enough to watch the bar move
    app.config["SODIENTU_REPORT_CHUNK"] = 1  # one document a transaction: the bar moves by one
    return ns


def _overflows(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"))


@pytest.mark.parametrize("width", WIDTHS)
def test_gvcn_previews_prints_the_class_and_downloads_the_merged_pdf(
    page, live_server, browser_login, closed, app, width, tmp_path
) -> None:
    from app.reports import jobs

    ns = closed
    first = sorted(ns.students_a1, key=lambda s: s.full_name)[0]
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, "gvcn")
    if width < 700:
        page.locator("label.nav-toggle-label").click()  # the phone menu
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Báo liên lạc / Học bạ").click()
    page.get_by_role("link", name="Lớp 10A1").click()
    expect(page.locator("h1")).to_contain_text("lớp 10A1")
    assert not _overflows(page)
    page.locator(f"#student-{first.id}").get_by_role("link", name="Xem trước").click()
    sheet = page.locator("#preview article.sheet")
    expect(sheet).to_contain_text(first.full_name)
    expect(sheet.locator(".sheet-title")).to_have_text("BÁO LIÊN LẠC")
    expect(sheet).to_contain_text("Học kỳ I - Năm học")
    expect(sheet.locator("table.sheet-table th", has_text="ĐTBmhk")).to_be_visible()
    expect(sheet).to_contain_text("GIÁO VIÊN CHỦ NHIỆM")
    assert not _overflows(page)  # the table scrolls inside its .table-wrap, the page does not
    page.screenshot(path=str(tmp_path / f"preview-{width}.png"), full_page=True)
    page.go_back()
    page.get_by_role("button", name="In báo liên lạc cả lớp (3)").click()
    page.wait_for_url(re.compile(r"/reports/jobs/\d+$"))
    expect(page.locator("#job-progress")).to_be_visible()
    job_url = page.url
    page.reload()  # the progress is the job's row: a reload shows it again
    expect(page.locator("#job-progress")).to_be_visible()
    if width >= 700:  # and so does a new session
        page.get_by_role("button", name="Đăng xuất").click()
        browser_login(live_server, "gvcn")
        page.goto(job_url)
    expect(page.locator("#job-count")).to_have_text("3 / 3", timeout=20_000)
    expect(page.locator("#job-state")).to_have_text("Đã xong")
    assert not _overflows(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải tệp gộp để in (PDF)").click()
    saved = tmp_path / "gop.pdf"
    info.value.save_as(saved)
    assert len(PdfReader(saved).pages) == 3
    jobs.wait_idle(app)
