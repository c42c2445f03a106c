"""Journey (issue 12): the GVCN releases HK I and issues a family's private link on a
phone; the parent opens it (neutral page → button), reads the báo liên lạc and taps
"Đã xem" with a reply; the GVCN then sees "Đã xem" and the reply."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_close_journey import _on_screen, _overflows
from tests.parents.conftest import NAMES, parents_school  # noqa: F401

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", (375,))
def test_gvcn_informs_a_family_and_sees_it_read(page, live_server, browser_login, parents_school, width) -> None:  # noqa: F811
    ns = parents_school
    guardian = ns.guardians[ns.students[0].id]
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, "gvcn")
    page.goto(f"{live_server}/parents/classes/{ns.cls.id}")
    page.locator("#release-hk1").click()
    expect(page.locator("#release-points")).to_contain_text("Đã công bố")
    page.locator(f"#issue-{guardian}").click()
    url = page.locator("#issued-url").input_value()
    assert "/p/" in url

    parent_context = page.context.browser.new_context(viewport={"width": 375, "height": 800})
    parent = parent_context.new_page()
    parent.goto(url)
    expect(parent.locator("body")).not_to_contain_text(NAMES[0])
    parent.locator("#consent").check()  # R21: asked once, never pre-ticked
    parent.locator("#open-button").click()
    expect(parent.locator("#child-name")).to_have_text(NAMES[0])
    assert "/p/view" in parent.url and url.rsplit("/", 1)[1] not in parent.url
    assert not _overflows(parent)
    parent.get_by_role("link", name="Học kỳ I").click()
    expect(parent.locator(".sheet")).to_contain_text("BÁO LIÊN LẠC")
    parent.locator("#reply").fill("Gia đình đã đọc, cảm ơn cô.")
    button = parent.locator("#ack-button")
    assert _on_screen(parent, button)
    button.click()
    expect(parent.locator("#acked")).to_contain_text("Gia đình đã xác nhận đã xem")
    parent_context.close()

    page.goto(f"{live_server}/parents/classes/{ns.cls.id}")
    row = page.locator(f"#guardian-{guardian}")
    expect(row).to_contain_text("Đã xem")
    expect(row).to_contain_text("Gia đình đã đọc, cảm ơn cô.")
    assert not _overflows(page)
