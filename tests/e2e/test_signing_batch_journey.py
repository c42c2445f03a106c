# ruff: noqa: F811  (fixtures imported from tests/reports and tests/signing)
"""Journey: four documents of the school (10A1's three học bạ and its sổ theo dõi) wait for
the hiệu trưởng, each signed by the GVCN. He opens "Ký số", types his password once and
presses "Ký toàn trường (4)"; the job's page shows the progress bar, which survives a
reload and a new login, and reaches 4 / 4; every document then carries the GVCN's, his
and the school's seal signatures, which validate against the test CA — at 1280 px; and the
same batch at 375 px: the signing page and the job page with its bar fit a phone."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, file_bytes, gb  # noqa: F401
from tests.reports.test_issue_hoc_ba import year_closed  # noqa: F401
from tests.signing.conftest import PASSWORD, pki, register, signatures, validate  # noqa: F401

pytestmark = pytest.mark.e2e


@pytest.fixture
def school_waiting(app, year_closed, as_user, pki):  # type: ignore[no-untyped-def]
    from app.reports import queries, services
    from app.reports.models import IssuedDocument
    from app.school.models import SchoolClass
    from app.signing import services as signing

    ns = year_closed
    app.config.update(SODIENTU_SEAL_P12=str(pki.seal), SODIENTU_SEAL_PASSWORD=PASSWORD, SODIENTU_SIGNING_PAUSE=0.4)
    register(as_user, ns.gvcn, pki.gvcn)
    register(as_user, ns.ht, pki.ht)

    def issue_all(actor):  # type: ignore[no-untyped-def]
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        year = queries.issuable_period(cls, "cn")
        ids = [
            services.issue(actor, services.draft_for(cls, queries.class_student(cls, s.id), year, "hoc_ba")).id
            for s in ns.students_a1
        ]
        return [*ids, services.issue(actor, services.book_draft_for(cls, queries.issuable_period(cls, "hk1"))).id]

    ns.doc_ids = as_user(ns.ht, issue_all)

    def gvcn_signs(actor):  # type: ignore[no-untyped-def]
        key = signing.open_for_signing(actor, PASSWORD)
        for doc_id in ns.doc_ids:
            signing.sign(actor, db.session.get(IssuedDocument, doc_id), key=key)

    with ThreadPoolExecutor(1) as pool:  # pyHanko runs its own event loop: not on Playwright's thread
        pool.submit(as_user, ns.gvcn, gvcn_signs).result()
    return ns


def test_the_hieu_truong_signs_the_whole_school_and_watches_the_bar_reach_n_of_n(  # type: ignore[no-untyped-def]
    page, live_server, browser_login, school_waiting, pki, app, console_guard, tmp_path
) -> None:
    from app.signing.services import batch

    ns = school_waiting
    page.set_viewport_size({"width": 1280, "height": 900})
    browser_login(live_server, ns.ht.username)
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role("link", name="Ký số").click()
    expect(page.locator("h1")).to_have_text("Văn bản chờ tôi ký")
    expect(page.locator("#awaiting tbody tr")).to_have_count(4)
    page.locator("#school-password").fill(PASSWORD)
    page.get_by_role("button", name="Ký toàn trường (4)").click()
    page.wait_for_url(re.compile(r"/signing/jobs/\d+$"))
    expect(page.locator("#job-progress")).to_be_visible()
    page.screenshot(path=str(tmp_path / "signing-job-running-1280.png"))
    job_url = page.url
    page.reload()  # the progress is the job's row: a reload shows it again
    expect(page.locator("#job-progress")).to_be_visible()
    page.get_by_role("button", name="Đăng xuất").click()  # and so does a new session
    browser_login(live_server, ns.ht.username)
    page.goto(job_url)
    expect(page.locator("#job-count")).to_have_text("4 / 4", timeout=30_000)
    expect(page.locator("#job-state")).to_have_text("Đã xong")
    expect(page.locator("#job-summary")).to_contain_text("Đã ký 4 · đóng dấu 4")
    assert page.locator("#job-progress").get_attribute("value") == "4"
    page.screenshot(path=str(tmp_path / "signing-job-1280.png"), full_page=True)
    assert not page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1")
    page.get_by_role("link", name="Về danh sách văn bản chờ ký").click()
    expect(page.locator("#nothing-awaiting")).to_be_visible()
    batch.wait_idle(app)
    for doc_id in ns.doc_ids:
        assert [s.step for s in signatures(app, doc_id)] == ["gvcn", "hieu_truong", "seal"]
    data = file_bytes(app, signatures(app, ns.doc_ids[-1])[-1].sha256)
    with ThreadPoolExecutor(1) as pool:
        results = pool.submit(validate, data, pki.ca_pem).result()
    assert all(status.intact and status.valid and status.trusted for _, status in results) and len(results) == 3


NO_OVERFLOW = "document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"


def test_the_batch_page_and_its_progress_bar_fit_a_phone(  # type: ignore[no-untyped-def]
    page, live_server, browser_login, school_waiting, app, console_guard, tmp_path
) -> None:
    """The same batch at 375 px: the signing page, the running job and the finished job fit
    the phone's width (no horizontal scrolling), the bar is inside the screen."""
    from app.signing.services import batch

    ns = school_waiting
    page.set_viewport_size({"width": 375, "height": 740})
    browser_login(live_server, ns.ht.username)
    page.goto(f"{live_server}/signing/documents")
    expect(page.locator("h1")).to_have_text("Văn bản chờ tôi ký")
    assert not page.evaluate(NO_OVERFLOW)
    page.locator("#school-password").fill(PASSWORD)
    page.get_by_role("button", name="Ký toàn trường (4)").click()
    page.wait_for_url(re.compile(r"/signing/jobs/\d+$"))
    bar = page.locator("#job-progress")
    expect(bar).to_be_visible()
    assert not page.evaluate(NO_OVERFLOW)
    box = bar.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    page.screenshot(path=str(tmp_path / "signing-job-running-375.png"), full_page=True)
    expect(page.locator("#job-count")).to_have_text("4 / 4", timeout=30_000)
    expect(page.locator("#job-state")).to_have_text("Đã xong")
    assert not page.evaluate(NO_OVERFLOW)
    box = bar.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 375
    page.screenshot(path=str(tmp_path / "signing-job-375.png"), full_page=True)
    batch.wait_idle(app)
