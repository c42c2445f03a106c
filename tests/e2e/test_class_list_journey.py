"""Journey: the hiệu trưởng of a large school finds a class in the paginated class list
(issue 13.6) — on a desktop and on a phone: filters by khối, pages with "Trang sau ›" (the
filter kept), types part of a name, and opens the class; the pager stays on the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_phone_layout import _inside_viewport, _page_overflows

pytestmark = pytest.mark.e2e


@pytest.fixture
def large_school(app, school_fixture):  # type: ignore[no-untyped-def]
    """10A1, 10A2, 11A01…11A60 and 12B01…12B55: 117 classes."""
    from app.extensions import db
    from app.school import services as school
    from app.school.models import SchoolYear

    with app.app_context():
        year = db.session.get(SchoolYear, school_fixture.year.id)
        for name in [f"11A{k:02d}" for k in range(1, 61)] + [f"12B{k:02d}" for k in range(1, 56)]:
            school.create_class(None, year, name, int(name[:2]), school_fixture.gvcn.id)
        db.session.commit()
    return school_fixture


@pytest.mark.parametrize("width", [1280, 375])
def test_principal_filters_pages_and_opens_a_class(page, live_server, browser_login, large_school, width) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, "ht")
    page.goto(f"{live_server}/school/classes")
    tiles = page.locator("#class-list li")
    expect(page.locator("#class-count")).to_have_text("117 lớp")
    expect(tiles).to_have_count(50)
    expect(page.locator("#class-pager")).to_contain_text("Trang 1/3")

    page.locator("#class-grade").select_option("12")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("#class-count")).to_have_text("55 lớp")
    expect(page.locator("#class-pager")).to_contain_text("Trang 1/2")
    assert all(name.startswith("12B") for name in tiles.locator("strong").all_inner_texts())

    following = page.get_by_role("link", name="Trang sau ›")
    following.scroll_into_view_if_needed()
    assert _inside_viewport(page, following) and not _page_overflows(page)
    following.click()
    expect(page.locator("#class-pager")).to_contain_text("Trang 2/2")
    expect(tiles.locator("strong")).to_have_text(["12B51", "12B52", "12B53", "12B54", "12B55"])
    expect(page.locator("#class-grade")).to_have_value("12")  # the filter is kept
    assert page.get_by_role("link", name="Trang sau ›").count() == 0

    page.locator("#class-grade").select_option("")
    page.locator("#class-q").fill("11a0")
    page.get_by_role("button", name="Lọc").click()
    expect(tiles.locator("strong")).to_have_text([f"11A0{k}" for k in range(1, 10)])
    expect(page.locator("#class-pager")).to_have_count(0)  # one page: no pager
    page.get_by_role("link", name="11A07").click()
    expect(page.locator("h1")).to_contain_text("11A07")
