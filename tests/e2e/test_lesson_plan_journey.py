"""Journey: a teacher uploads a PDF giáo án → the tổ trưởng returns it with a comment →
the teacher resubmits → the tổ trưởng approves → the hiệu trưởng approves → the record's
timeline shows all five steps with their times. No CSP violation on the way."""

from __future__ import annotations

import re

import pytest

from tests.records import samples

pytestmark = pytest.mark.e2e
TIME = re.compile(r"^\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2}$")


@pytest.fixture
def journey_school(app, school_fixture):  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.records.services import ensure_default_record_types

    with app.app_context():
        school_fixture.plan_type = next(t.id for t in ensure_default_record_types() if t.code == "ke_hoach_bai_day")
        db.session.commit()
    return school_fixture


def _logout(page) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/login"))
    assert page.locator("#logged-out").inner_text().startswith("Bạn đã đăng xuất")  # issue 8.11


def _pdf(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": samples.pdf(text=text)}


def test_lesson_plan_goes_through_return_resubmit_and_two_approvals(
    page, live_server, browser_login, journey_school
) -> None:
    s = journey_school
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)

    # 1. the teacher uploads a PDF giáo án and submits it
    browser_login(live_server, "t1")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Hồ sơ của tôi").click()
    page.get_by_role("link", name=re.compile(r"\+ Kế hoạch bài dạy")).click()
    page.get_by_label("Lớp – môn").select_option(label="10A1 · Toán")
    page.get_by_label("Tiêu đề").fill("Bài 3: Hàm số bậc hai")
    page.get_by_label("Ngày dạy").fill("2024-11-20")
    page.get_by_label(re.compile("Tệp đính kèm")).set_input_files(_pdf("Giáo án tuần 12.pdf", "v1"))
    page.get_by_role("button", name="Lưu và nộp duyệt").click()
    page.wait_for_url(re.compile(r"/records/\d+$"))
    record_url = page.url
    assert page.locator("[data-state]").first.get_attribute("data-state") == "submitted"
    assert "Giáo án tuần 12.pdf" in page.locator("ol.versions").inner_text()
    _logout(page)

    # 2. the tổ trưởng finds it in the queue and returns it with a reason (htmx)
    browser_login(live_server, "tttoan")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Duyệt hồ sơ").click()
    page.locator("#review-queue").get_by_role("link", name="Bài 3: Hàm số bậc hai").click()
    page.get_by_label("Lý do trả lại (bắt buộc)").fill("Thiếu phần vận dụng thực tế.")
    page.get_by_role("button", name="Trả lại").click()
    page.locator('.workflow [data-state="returned"]').wait_for()
    assert "Thiếu phần vận dụng thực tế." in page.locator(".workflow").inner_text()
    _logout(page)

    # 3. the teacher reads the reason, uploads a corrected version and resubmits
    browser_login(live_server, "t1")
    page.goto(record_url)
    assert "Thiếu phần vận dụng thực tế." in page.locator(".workflow").inner_text()
    page.get_by_role("link", name="Tải lên phiên bản mới").click()
    page.get_by_label(re.compile("Tệp mới")).set_input_files(_pdf("Giáo án tuần 12 (sửa).pdf", "v2"))
    page.get_by_label("Nội dung chỉnh sửa").fill("Đã thêm bài toán đo ruộng lúa.")
    page.get_by_role("button", name="Lưu và nộp lại").click()
    page.wait_for_url(record_url)
    assert page.locator("[data-state]").first.get_attribute("data-state") == "submitted"
    _logout(page)

    # 4. the tổ trưởng approves it straight from the queue (htmx; the queue refreshes)
    browser_login(live_server, "tttoan")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Duyệt hồ sơ").click()
    row = page.locator("#queue-table tr", has_text="Bài 3: Hàm số bậc hai")
    row.get_by_role("button", name="Duyệt").click()
    dialog = page.get_by_role("dialog")
    assert "Bài 3: Hàm số bậc hai" in dialog.inner_text() and "Ban giám hiệu" in dialog.inner_text()
    dialog.get_by_role("button", name="Duyệt").click()
    page.locator("#queue-empty").wait_for()
    assert "Đã duyệt" in page.locator("#flash").inner_text()
    _logout(page)

    # 5. the hiệu trưởng approves version 2 on the record page: the record is final
    browser_login(live_server, "ht")
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Duyệt hồ sơ").click()
    page.locator("#review-queue").get_by_role("link", name="Bài 3: Hàm số bậc hai").click()
    page.get_by_role("button", name="Duyệt phiên bản 2").click()
    page.locator('.workflow [data-state="approved"]').wait_for()
    assert "Hồ sơ đã khoá" in page.locator(".workflow").inner_text()

    # the timeline (refreshed by htmx) shows the five steps, in order, with their times
    timeline = page.locator(".timeline-list")
    timeline.locator('[data-action="record.approved"]').nth(1).wait_for()
    steps = [
        (li.get_attribute("data-action"), li.locator("time").inner_text())
        for li in timeline.locator("li[data-action]").all()
        if li.get_attribute("data-action") in ("record.submitted", "record.returned", "record.approved")
    ]
    assert [a for a, _ in steps] == [
        "record.submitted",
        "record.returned",
        "record.submitted",
        "record.approved",
        "record.approved",
    ]
    assert all(TIME.match(t) for _, t in steps), steps
    actors = timeline.locator('li[data-action="record.approved"] .tl-actor').all_inner_texts()
    assert actors == [s.tt_toan.full_name, s.ht.full_name]
    assert violations == []
