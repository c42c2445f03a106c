"""Journey: the GVCN of 10A1 sees what blocks the HK I close (a nhận xét missing), fixes it,
submits; the hiệu trưởng finds it on the home page, reads the summary to freeze, approves —
at 1280 px and 375 px (no sideways scrolling, the buttons on screen)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.gradebook.conftest import gb  # noqa: F401
from tests.results.conftest import approve_book, enter, homeroom_term, snapshots_of, uniform

pytestmark = pytest.mark.e2e
WIDTHS = (1280, 375)


@pytest.fixture
def almost(gb, as_user):  # type: ignore[no-untyped-def]  # noqa: F811
    """10A1's HK I complete but for one student's nhận xét."""
    ids = [s.id for s in gb.students_a1]
    enter(as_user, gb.t1, gb.toan_a1, uniform(ids, "8", 4))
    enter(as_user, gb.gv_van, gb.van_a1, uniform(ids, "7,5", 4))
    approve_book(as_user, gb.t1, gb.tt_toan, gb.ht, gb.toan_a1)
    approve_book(as_user, gb.gv_van, gb.tt_van, gb.ht, gb.van_a1)
    homeroom_term(as_user, gb.gvcn, gb.c10a1.id, gb.term1, ids[1:])
    homeroom_term(as_user, gb.gvcn, gb.c10a1.id, gb.term1, ids[:1], text="")
    gb.ids = ids
    return gb


def _overflows(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"))


def _on_screen(page, locator) -> bool:  # type: ignore[no-untyped-def]
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


@pytest.mark.parametrize("width", WIDTHS)
def test_gvcn_fixes_the_blocker_submits_and_the_principal_approves(
    page, live_server, browser_login, almost, app, width
) -> None:
    ns = almost
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, "gvcn")
    page.goto(f"{live_server}/results/{ns.c10a1.id}/hk1")
    remark = page.locator("#item-remark")
    expect(remark).to_contain_text("chưa nhận xét 1 học sinh")
    expect(remark).to_contain_text("Nguyễn Canary-A01 Bích")
    assert page.get_by_role("button", name="Nộp kết quả học kỳ I").is_disabled()
    assert not _overflows(page)
    remark.get_by_role("link", name="Mở").click()
    page.wait_for_url(re.compile(r"/homeroom/\d+\?period=1"))
    cell = page.locator(f"#hremark-{ns.ids[0]} input")
    cell.fill("Tiến bộ rõ, cần mạnh dạn phát biểu.")
    cell.press("Tab")
    expect(page.locator(f"#hremark-{ns.ids[0]} .saved-note")).to_be_visible()

    page.goto(f"{live_server}/results/{ns.c10a1.id}/hk1")
    expect(page.locator("#item-remark")).to_have_class(re.compile("done"))
    expect(page.locator("label[for=close-progress]")).to_contain_text("(100%)")
    page.get_by_label("Tôi xác nhận đã điểm danh đầy đủ").check()
    submit = page.get_by_role("button", name="Nộp kết quả học kỳ I")
    assert _on_screen(page, submit) and not _overflows(page)
    submit.click()
    expect(page.locator("#close-state")).to_contain_text("Đã nộp, chờ hiệu trưởng duyệt")

    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url(re.compile(r"/login"))
    browser_login(live_server, "ht")
    todo = page.locator("#todo-closes")
    expect(todo).to_contain_text("lớp 10A1")
    todo.get_by_role("link").first.click()
    expect(page.locator("#close-summary")).to_contain_text("Tiến bộ rõ, cần mạnh dạn phát biểu.")
    approve = page.get_by_role("button", name="Duyệt và chốt kết quả")
    assert _on_screen(page, approve) and not _overflows(page)
    approve.click()
    expect(page.locator(".flash-success")).to_contain_text("Đã duyệt và chốt kết quả học kỳ I lớp 10A1")
    assert len(snapshots_of(app, ns.c10a1.id, "hk1")) == 3

    page.goto(f"{live_server}/results/?period=hk1")
    expect(page.locator("#group-approved")).to_contain_text("10A1")
    page.goto(f"{live_server}/results/{ns.c10a1.id}/students/{ns.ids[0]}")
    expect(page.locator("#snapshot-history")).to_contain_text("hiện hành")
    assert not _overflows(page)
