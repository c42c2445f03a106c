"""Journeys (issue 12, personal data): at 1280 px the BGH sees an overdue data-subject
request flagged on the home, opens it, answers it with the student's data export (a ZIP);
at 375 px a parent meets the consent step (an unticked box) before the report shows."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.e2e.test_close_journey import _on_screen, _overflows
from tests.parents.conftest import NAMES, issue, parents_school  # noqa: F401

pytestmark = pytest.mark.e2e


def test_bgh_registers_a_request_and_answers_it_with_the_export(
    page,
    live_server,
    browser_login,
    parents_school,  # noqa: F811
    app,
) -> None:
    from app.school.models import Student

    ns = parents_school
    with app.app_context():
        code = db.session.get(Student, ns.students[0].id).student_code
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(live_server, "ht")
    page.goto(f"{live_server}/privacy/requests")
    page.locator("#student_code").fill(code)
    page.locator("#kind").select_option("access")
    page.locator("#requester").select_option("me")
    page.locator("#received_on").fill("05/03/2026")
    page.locator("#details").fill("Xin toàn bộ dữ liệu của con")
    page.locator("#request-save").click()
    expect(page.locator("#due-on")).to_contain_text("09/03/2026")
    expect(page.locator("#due-on")).to_contain_text("quá hạn")

    page.goto(f"{live_server}/")
    flag = page.locator("#overdue-requests")
    expect(flag).to_contain_text("1 yêu cầu về dữ liệu cá nhân đã quá hạn trả lời")
    flag.get_by_role("link", name="Xem sổ yêu cầu").click()
    page.locator("#requests").get_by_role("link", name="#1").click()
    with page.expect_download() as info:
        page.locator("#export").click()
    download = info.value
    assert download.suggested_filename == f"du-lieu-hoc-sinh-{code}.zip"
    archive = zipfile.ZipFile(io.BytesIO(download.path().read_bytes()))
    data = json.loads(archive.read("du-lieu-hoc-sinh.json"))
    assert data["student"]["full_name"] == NAMES[0] and NAMES[1] not in json.dumps(data, ensure_ascii=False)
    expect(page.locator("#reply")).to_contain_text("gửi kèm tệp dữ liệu của học sinh")
    page.locator("#answer-save").click()
    expect(page.locator("#status")).to_have_text("Đã trả lời")
    expect(page.locator("#reply-shown")).to_contain_text("gửi kèm tệp dữ liệu")
    page.goto(f"{live_server}/")
    expect(page.locator("#overdue-requests")).to_have_count(0)
    assert not _overflows(page)


def test_a_parent_meets_the_consent_step_on_a_phone(page, live_server, parents_school, as_user, console_guard):  # noqa: F811
    ns = parents_school
    token = issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{live_server}/p/{token}")
    box = page.locator("#consent")
    expect(box).not_to_be_checked()
    expect(page.locator("body")).not_to_contain_text(NAMES[0])
    assert not _overflows(page) and _on_screen(page, box)
    console_guard.allow(422)  # the refusal below is the status contract
    page.locator("#open-button").click()
    expect(page.locator("#open-error")).to_contain_text("Vui lòng đánh dấu ô đồng ý")
    expect(page.locator("body")).not_to_contain_text(NAMES[0])
    page.locator("#consent").check()
    page.locator("#open-button").click()
    expect(page.locator("#child-name")).to_have_text(NAMES[0])
    withdraw = page.locator("#consent-withdraw summary")
    assert _on_screen(page, withdraw) and not _overflows(page)
    withdraw.click()
    page.locator("#withdraw-consent").click()
    expect(page.locator("#withdrawn")).to_contain_text("Đường dẫn riêng của gia đình đã ngừng hoạt động")
    page.screenshot(path="/tmp/privacy-consent-375.png", full_page=True)
