"""Journey: the tổ trưởng of a large tổ works through the paginated review queue (issue 13.6)
— on a desktop and on a phone: 53 lesson plans wait, 50 on the first page with "Trang 1/2";
"Trang sau ›" (on the screen, no sideways scroll) leads to the last 3; the 5-second poll
redraws that page, not the first; approving one there keeps the page, now with 2."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.test_phone_layout import _inside_viewport, _page_overflows
from tests.records import samples

pytestmark = pytest.mark.e2e


@pytest.fixture
def long_queue(app, school_fixture, as_user):  # type: ignore[no-untyped-def]
    """53 lesson plans by T1 (Bài 01 … Bài 53, submitted in that order) wait for the tổ trưởng."""
    from app.extensions import db
    from app.records import services, uploads
    from app.records.models import RecordType

    with app.app_context():
        plan_type = next(t.id for t in services.ensure_default_record_types() if t.code == "ke_hoach_bai_day")
        db.session.commit()

    def go(actor):  # type: ignore[no-untyped-def]
        return [
            services.create_record(
                actor, db.session.get(RecordType, plan_type), title=f"Bài {n:02d}: Hàm số", submit=True,
                files=[uploads.stage_bytes("giao-an.pdf", samples.pdf(text=f"bai {n}"))],
                class_id=school_fixture.c10a1.id, subject_id=school_fixture.toan.id, lesson_date=date(2024, 11, 20),
            ).id
            for n in range(1, 54)
        ]  # fmt: skip

    school_fixture.record_ids = as_user(school_fixture.t1, go)
    return school_fixture


@pytest.mark.parametrize("width", [1280, 375])
def test_tổ_trưởng_pages_through_the_queue_and_the_poll_keeps_the_page(
    page, live_server, browser_login, long_queue, width
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, "tttoan")
    page.goto(f"{live_server}/records/review")
    queue, rows = page.locator("#review-queue"), page.locator("#queue-table tbody tr")
    expect(queue.locator("h2")).to_have_text("Chờ bạn duyệt (53)")
    expect(rows).to_have_count(50)
    expect(page.locator("#queue-pager")).to_contain_text("Trang 1/2")
    expect(rows.first).to_contain_text("Bài 53")  # the newest submission first

    following = page.get_by_role("link", name="Trang sau ›")
    following.scroll_into_view_if_needed()
    assert _inside_viewport(page, following) and not _page_overflows(page)
    following.click()
    expect(page.locator("#queue-pager")).to_contain_text("Trang 2/2")
    expect(rows.locator("td.card-title a")).to_have_text(["Bài 03: Hàm số", "Bài 02: Hàm số", "Bài 01: Hàm số"])
    assert page.get_by_role("link", name="Trang sau ›").count() == 0
    previous = page.get_by_role("link", name="‹ Trang trước")
    previous.scroll_into_view_if_needed()
    assert _inside_viewport(page, previous) and not _page_overflows(page)

    # the poll (every 5 s) swaps the queue in place: it must bring page 2 again, not page 1
    with page.expect_response(lambda r: "/records/review?page=2" in r.url and r.request.headers.get("hx-request")):
        pass
    expect(page.locator("#queue-pager")).to_contain_text("Trang 2/2")
    expect(rows).to_have_count(3)

    row = rows.filter(has_text="Bài 02")
    row.get_by_role("button", name="Duyệt").click()
    page.get_by_role("dialog").get_by_role("button", name="Duyệt").click()
    expect(queue.locator("h2")).to_have_text("Chờ bạn duyệt (52)")
    expect(rows.locator("td.card-title a")).to_have_text(["Bài 03: Hàm số", "Bài 01: Hàm số"])
    expect(page.locator("#queue-pager")).to_contain_text("Trang 2/2")
    assert not _page_overflows(page)
