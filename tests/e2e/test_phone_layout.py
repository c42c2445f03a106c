"""Lists and the grade grid on a phone (375 px) and a desktop (1280 px): the review queue and a
teacher's record list become cards with the action inside the viewport and no sideways
scrolling of the page; the grid keeps the STT + name columns and the header in place while
it scrolls; "Duyệt" in the queue asks before it approves (issue 8, items 1, 2 and 7)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.records import samples

pytestmark = pytest.mark.e2e

WIDTHS = [1280, 375]
LONG_TITLE = "Kế hoạch bài dạy chủ đề Hàm số bậc hai và đồ thị, tiết {n} (luyện tập và vận dụng)"


@pytest.fixture
def queued(app, school_fixture, as_user):  # type: ignore[no-untyped-def]
    """Three lesson plans by T1, submitted: they wait for the tổ trưởng Toán."""
    from app.extensions import db
    from app.records import services, uploads
    from app.records.models import RecordType

    with app.app_context():
        types = services.ensure_default_record_types()
        db.session.commit()
        plan_type = next(t.id for t in types if t.code == "ke_hoach_bai_day")

    def submit(n: int):  # type: ignore[no-untyped-def]
        def go(actor):  # type: ignore[no-untyped-def]
            stored = [uploads.stage_bytes("giao-an.pdf", samples.pdf(text=f"tiet {n}"))]
            return services.create_record(
                actor,
                db.session.get(RecordType, plan_type),
                title=LONG_TITLE.format(n=n),
                files=stored,
                submit=True,
                class_id=school_fixture.c10a1.id,
                subject_id=school_fixture.toan.id,
                lesson_date=date(2024, 11, 20 + n),
            ).id

        return as_user(school_fixture.t1, go)

    school_fixture.record_ids = [submit(n) for n in (1, 2, 3)]
    return school_fixture


def _page_overflows(page) -> bool:  # type: ignore[no-untyped-def]
    return bool(page.evaluate("document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"))


def _inside_viewport(page, locator) -> bool:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_review_queue_fits_the_screen_with_the_approve_button_in_view(
    page, live_server, browser_login, queued, width
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, "tttoan")
    page.goto(f"{live_server}/records/review")
    rows = page.locator("#queue-table tbody tr")
    assert rows.count() == 3
    assert not _page_overflows(page)
    for i in range(3):
        button = rows.nth(i).get_by_role("button", name="Duyệt")
        button.scroll_into_view_if_needed()
        assert _inside_viewport(page, button), f"the approve button of row {i} is off-screen at {width}px"
    title = rows.first.locator("td.card-title a")
    if width == 375:  # a card: the title uses the card's width, not one word per line
        assert title.bounding_box()["width"] > 250
        teacher = rows.first.locator('td[data-label="Giáo viên"]')
        label = teacher.evaluate("td => getComputedStyle(td, '::before').content")
        assert "Giáo viên" in label  # each value says what it is


@pytest.mark.parametrize("width", WIDTHS)
def test_teacher_record_list_fits_the_screen(page, live_server, browser_login, queued, width) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, "t1")
    page.goto(f"{live_server}/records/mine")
    rows = page.locator("#my-records tbody tr")
    assert rows.count() == 3
    assert not _page_overflows(page)
    status = rows.first.locator("[data-state]")
    assert _inside_viewport(page, status)
    assert status.get_attribute("data-state") == "submitted"


def test_approve_in_the_queue_asks_first_and_cancel_changes_nothing(
    page, live_server, browser_login, queued, app
) -> None:
    from app.extensions import db
    from app.records.models import Record

    browser_login(live_server, "tttoan")
    page.goto(f"{live_server}/records/review")
    row = page.locator("#queue-table tbody tr").first
    row.get_by_role("button", name="Duyệt").click()
    dialog = page.get_by_role("dialog")
    assert "Ban giám hiệu" in dialog.inner_text()  # says what happens next
    dialog.get_by_role("button", name="Huỷ").click()
    assert not dialog.is_visible()
    page.wait_for_timeout(300)
    with app.app_context():
        steps = [db.session.get(Record, i).step for i in queued.record_ids]
    assert steps == [0, 0, 0]  # nothing was approved
    row.get_by_role("button", name="Duyệt").click()
    page.get_by_role("dialog").get_by_role("button", name="Duyệt").click()
    expect(page.locator("#queue-table tbody tr")).to_have_count(2)
    with app.app_context():
        steps = sorted(db.session.get(Record, i).step for i in queued.record_ids)
    assert steps == [0, 0, 1]


@pytest.mark.parametrize("width", WIDTHS)
def test_grade_grid_keeps_names_and_header_in_place_while_scrolling(
    page, live_server, browser_login, school_fixture, width
) -> None:
    page.set_viewport_size({"width": width, "height": 700})
    browser_login(live_server, "t1")
    page.goto(f"{live_server}/gradebook/")
    page.get_by_role("button", name="Mở sổ điểm Toán 10A1 Học kỳ I", exact=True).click()
    page.locator(".grade-grid").wait_for()
    wrap = page.locator(".grade-grid .table-wrap")
    name = page.locator(".grade-grid tbody th.name").first
    stt = page.locator(".grade-grid tbody td").first
    header = page.locator(".grade-grid thead th").first
    before = (name.bounding_box()["x"], stt.bounding_box()["x"], header.bounding_box()["y"])
    wrap.evaluate("el => { el.scrollLeft = el.scrollWidth; el.scrollTop = el.scrollHeight; }")
    page.wait_for_timeout(100)
    after = (name.bounding_box()["x"], stt.bounding_box()["x"], header.bounding_box()["y"])
    assert after == pytest.approx(before, abs=1), (before, after)
    assert not _page_overflows(page)
    if width == 375:
        scrolled = wrap.evaluate("el => el.scrollLeft")
        assert scrolled > 0  # the grid really is wider than the phone: the test scrolled it


@pytest.mark.parametrize("width", WIDTHS)
def test_class_book_has_readable_headers_scrolls_in_its_box_and_says_saved(
    page, live_server, browser_login, school_fixture, width
) -> None:
    """Issue 8.3: readable short subject names with a legend, sticky names, a visible 'đã lưu'."""
    cls = school_fixture.c10a1
    page.set_viewport_size({"width": width, "height": 800})
    browser_login(live_server, "gvcn")
    page.goto(f"{live_server}/homeroom/{cls.id}")
    headers = page.locator("#homeroom-table thead th.subject").all_inner_texts()
    assert headers == ["Toán", "Văn"]  # not TOAN, VAN
    legend = page.locator("#subject-legend").inner_text()
    assert "Ngữ văn" in legend and legend.index("Văn") < legend.index("Ngữ văn")
    assert not _page_overflows(page)
    name = page.locator("#homeroom-table tbody th[scope=row]").first
    before = name.bounding_box()["x"]
    page.locator(f"#class-{cls.id}-homeroom .table-wrap").evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert name.bounding_box()["x"] == pytest.approx(before, abs=1)
    student = school_fixture.students_a1[0].id
    page.locator(f"#conduct-{student} select").select_option("T")
    expect(page.locator(f"#conduct-{student}")).to_contain_text("Đã lưu")
    expect(page.locator(f"#conduct-{student} select")).to_have_value("T")


@pytest.mark.parametrize("width", WIDTHS)
def test_school_chart_labels_are_whole_and_inside_the_screen(
    page, live_server, browser_login, queued, make_department, width
) -> None:
    """Issue 8.4: chart labels were cut off on phones ("GDTC – Nghệ thu…")."""
    make_department("GDTC – Nghệ thuật")
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, "ht")
    page.goto(f"{live_server}/records/school")
    labels = page.locator("#compliance-chart text.group")
    assert "GDTC – Nghệ thuật" in [labels.nth(i).text_content() for i in range(labels.count())]
    for i in range(labels.count()):
        box = labels.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, labels.nth(i).text_content()
    assert not _page_overflows(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_teachers_home_shows_what_waits_for_them(page, live_server, browser_login, queued, as_user, width) -> None:
    """Issue 8.8: the home showed only 'Lớp tôi dạy'; now a returned record with its reason."""
    from app.extensions import db
    from app.records import services
    from app.records.models import Record

    def back(actor):  # type: ignore[no-untyped-def]
        record = db.session.get(Record, queued.record_ids[0])
        services.return_record(actor, record, seen_version=record.version, comment="Bổ sung phần vận dụng thực tế.")

    as_user(queued.tt_toan, back)
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, "t1")
    returned = page.locator("#todo-returned")
    expect(returned).to_contain_text("Bổ sung phần vận dụng thực tế.")
    assert _inside_viewport(page, returned.get_by_role("link", name="Tải lên bản đã sửa"))
    assert not _page_overflows(page)
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    assert nav.get_by_role("link", name="Chủ nhiệm").count() == 0  # T1 is no GVCN
