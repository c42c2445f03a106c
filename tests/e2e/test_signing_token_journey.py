# ruff: noqa: F811  (fixtures imported from tests/reports and tests/signing)
"""Journey: the GVCN's certificate is on a USB token plugged into the school's server
(SoftHSM2 here). She opens "Chứng thư số", registers "chứng thư trên USB token" with the
token's name and PIN, opens 10A1's sổ theo dõi, types a wrong PIN (refused, nothing
signed), then the right one: signed — at 1280 px and 375 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.reports.test_issue_fixtures import closed, gb  # noqa: F401
from tests.signing.conftest import softhsm, tokens  # noqa: F401  (fixtures)
from tests.signing.test_token import WRONG_PIN, token_book  # noqa: F401

pytestmark = pytest.mark.e2e
WIDTHS = (1280, 375)


@pytest.mark.parametrize("width", WIDTHS)
def test_gvcn_registers_her_token_and_signs_with_its_pin(
    page, live_server, browser_login, token_book, tokens, console_guard, width
) -> None:
    ns = token_book
    console_guard.allow(422)  # the wrong PIN typed on purpose
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, ns.gvcn.username)
    page.goto(f"{live_server}/signing/certificates")
    card = page.locator("#token-certificate")
    expect(card.get_by_role("heading")).to_have_text("Chứng thư trên USB token")
    page.locator("#token-label").fill("GVCN-TOKEN")
    page.locator("#token-pin").fill(tokens.pin)
    page.get_by_role("button", name="Đăng ký chứng thư trên token").click()
    expect(page.locator("#cert-source")).to_contain_text("USB token (PKCS#11): token “GVCN-TOKEN”")
    page.goto(f"{live_server}/signing/documents/{ns.doc_id}")
    expect(page.locator("#token-hint")).to_contain_text("GVCN-TOKEN")
    page.get_by_label("Mã PIN của USB token").fill("000000")
    page.get_by_role("button", name="Ký số").click()
    expect(page.locator("#sign-error")).to_contain_text(WRONG_PIN)
    page.get_by_label("Mã PIN của USB token").fill(tokens.pin)
    page.get_by_role("button", name="Ký số").click()
    expect(page.locator("#signatures li").nth(0)).to_contain_text("đã ký lúc")
    expect(page.locator("#waiting-for")).to_contain_text("hiệu trưởng")
