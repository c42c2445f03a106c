"""Journey: the principal opens the home page and sees whether the audit trail was anchored
in the last 24 hours; after the daily `flask audit checkpoint` the card shows it and that
the chain still holds it — at 1280 px and on a phone (375 px) without sideways scrolling."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", [1280, 375])
def test_principal_sees_the_checkpoint_card(page, live_server, browser_login, app, school_fixture, width) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    browser_login(live_server, "ht")
    card = page.locator("#audit-anchor")
    expect(card.locator("#audit-anchor-warning")).to_have_text("Chưa có điểm neo nhật ký nào trong 24 giờ qua.")
    assert app.test_cli_runner().invoke(args=["audit", "checkpoint"]).exit_code == 0
    page.reload()
    expect(card.locator("#audit-anchor-warning")).to_have_count(0)
    expect(card.locator("#audit-anchor-match")).to_have_text("Khớp với nhật ký hiện tại")
    assert int(card.locator("#audit-anchor-seq").inner_text()) > 0
    assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
