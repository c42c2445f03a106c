# ruff: noqa: F811  (fixtures imported from tests/reports and tests/signing)
"""Journey: the hiệu trưởng has issued 10A1's sổ theo dõi of HK I. The GVCN opens "Ký số",
registers her own certificate (a .p12 file and its password), opens the document and signs
it; the hiệu trưởng does the same, his signature followed by the school's seal; he downloads
the signed PDF, whose three signatures validate against the test CA — at 1280 px and 375 px
(a teacher may sign from her phone)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.reports.test_issue_fixtures import closed, gb  # noqa: F401
from tests.signing.conftest import PASSWORD, pki, validate  # noqa: F401  (pki: a fixture)

pytestmark = pytest.mark.e2e
WIDTHS = (1280, 375)


@pytest.fixture
def issued_book(app, closed, as_user, pki):  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.reports import queries, services
    from app.school.models import SchoolClass

    ns = closed
    app.config.update(
        SODIENTU_SEAL_P12=str(pki.seal), SODIENTU_SEAL_PASSWORD=PASSWORD, SODIENTU_TRUST_ROOTS=str(pki.ca_pem)
    )

    def issue(actor):  # type: ignore[no-untyped-def]
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        return services.issue(actor, services.book_draft_for(cls, queries.issuable_period(cls, "hk1"))).id

    ns.doc_id = as_user(ns.ht, issue)
    return ns


def _open_signing(page, width: int) -> None:  # type: ignore[no-untyped-def]
    if width < 700:
        page.locator("label.nav-toggle-label").click()  # the phone menu
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Ký số").click()
    expect(page.locator("h1")).to_have_text("Văn bản chờ tôi ký")


def _register_and_sign(page, p12: Path, width: int, doc_id: int) -> None:  # type: ignore[no-untyped-def]
    _open_signing(page, width)
    expect(page.locator("#no-certificate")).to_be_visible()
    page.get_by_role("link", name="Chứng thư số của tôi").click()
    page.locator("#p12").set_input_files(str(p12))
    page.locator("#cert-password").fill(PASSWORD)
    page.get_by_role("button", name="Đăng ký chứng thư").click()
    expect(page.locator("#cert-test")).to_contain_text("CHỨNG THƯ THỬ NGHIỆM")
    _open_signing(page, width)
    page.locator(f"a[href='/signing/documents/{doc_id}']").click()
    page.locator("#sign-password").fill("sai mật khẩu")
    page.get_by_role("button", name="Ký số").click()
    # refused on the same page, nothing signed
    expect(page.locator("#sign-error")).to_have_text("Mật khẩu chứng thư số không đúng.")
    page.locator("#sign-password").fill(PASSWORD)
    page.get_by_role("button", name="Ký số").click()


@pytest.mark.parametrize("width", WIDTHS)
def test_gvcn_signs_then_the_hieu_truong_signs_and_seals(
    page, live_server, browser_login, issued_book, pki, console_guard, width, tmp_path
) -> None:
    ns = issued_book
    console_guard.allow(422)  # the wrong password typed on purpose
    (tmp_path / "gvcn.p12").write_bytes(pki.gvcn)
    (tmp_path / "ht.p12").write_bytes(pki.ht)
    page.set_viewport_size({"width": width, "height": 900})

    browser_login(live_server, ns.gvcn.username)
    _register_and_sign(page, tmp_path / "gvcn.p12", width, ns.doc_id)
    expect(page.locator("#signatures li").nth(0)).to_contain_text("đã ký lúc")
    expect(page.locator("#waiting-for")).to_contain_text("hiệu trưởng")
    # let the page's last asset answers arrive first: each sets the GVCN's session cookie, and
    # one arriving after the clear signed her back in (a full run on a loaded machine: the
    # next GET /login answered 303)
    page.wait_for_load_state("networkidle")
    page.goto("about:blank")
    page.context.clear_cookies()

    browser_login(live_server, ns.ht.username)
    _register_and_sign(page, tmp_path / "ht.p12", width, ns.doc_id)
    expect(page.locator("#fully-signed")).to_have_text("Văn bản đã được ký và đóng dấu đủ.")
    expect(page.locator("#signatures li")).to_have_count(3)
    assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bản đã ký (PDF)").click()
    data = Path(download.value.path()).read_bytes()
    with ThreadPoolExecutor(1) as pool:  # pyHanko runs its own event loop: not on Playwright's thread
        results = pool.submit(validate, data, pki.ca_pem).result()
    assert [sig.field_name for sig, _ in results] == ["ChuKy_GVCN", "ChuKy_HieuTruong", "DauCuaTruong"]
    assert all(status.intact and status.valid and status.trusted for _, status in results)
