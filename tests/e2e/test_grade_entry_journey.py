"""Journey: a teacher opens the term's grade book, types a row of scores with the keyboard
(each cell saves itself), sees ĐTBmhk appear, and gets the reason for an invalid value."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_teacher_types_a_row_of_scores_and_sees_the_term_average(
    page, live_server, browser_login, school_fixture, console_guard
) -> None:
    console_guard.allow(422)  # "11" is refused on purpose
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    first, second = school_fixture.students_a1[0].id, school_fixture.students_a1[1].id
    browser_login(live_server, "t1")
    page.get_by_role("link", name="Sổ điểm").first.click()
    page.get_by_role("button", name="Mở sổ điểm Toán 10A1 Học kỳ I", exact=True).click()
    page.locator(".grade-grid").wait_for()

    page.locator(f"#in-{first}-tx1").click()
    for value in ("8", "7", "9", "6,5", "7,5"):
        page.keyboard.type(value)
        page.keyboard.press("Tab")
    page.keyboard.type("8")
    page.keyboard.press("Enter")  # saves CK and moves down to the next student's CK
    expect(page.locator(f"#avg-{first}")).to_have_text(re.compile(r"^\s*7,7"))  # DOMAIN.md: 7,72… → 7,7
    expect(page.locator(f"#in-{second}-ck")).to_be_focused()
    for col in ("tx1", "tx4", "gk", "ck"):
        expect(page.locator(f"#cell-{first}-{col}")).to_have_class(re.compile(r"\bsaved\b"))

    # arrow keys move like a spreadsheet; an invalid value is refused with the reason in the cell
    page.keyboard.press("ArrowUp")
    expect(page.locator(f"#in-{first}-ck")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.type("11")
    page.keyboard.press("Tab")
    expect(page.locator(f"#cell-{second}-ck .cell-error")).to_contain_text("từ 0 đến 10")
    expect(page.locator(f"#cell-{second}-ck")).to_contain_text("Chưa lưu")  # left with a refused value
    expect(page.locator(f"#avg-{second}")).to_have_text(re.compile(r"^\s*$"))
    # Esc brings back what the server holds (nothing yet) and clears the error (issue 8.5)
    page.locator(f"#in-{second}-ck").click()
    expect(page.locator(f"#in-{second}-ck")).to_have_value("11")
    page.keyboard.press("Escape")
    expect(page.locator(f"#in-{second}-ck")).to_have_value("")
    expect(page.locator(f"#cell-{second}-ck .cell-error")).to_have_count(0)
    expect(page.locator(f"#cell-{second}-ck")).not_to_contain_text("Chưa lưu")
    # the same over a saved value: 12 is refused, the server keeps 8,0 and Esc shows it again
    page.locator(f"#in-{first}-ck").click()
    page.keyboard.type("12")
    page.keyboard.press("Tab")
    expect(page.locator(f"#cell-{first}-ck")).to_contain_text("Chưa lưu")
    page.locator(f"#in-{first}-ck").click()
    page.keyboard.press("Escape")
    expect(page.locator(f"#in-{first}-ck")).to_have_value("8,0")
    expect(page.locator(f"#avg-{first}")).to_have_text(re.compile(r"^\s*7,7"))

    # the saved values are really stored: a reload shows them
    page.reload()
    expect(page.locator(f"#in-{first}-tx4")).to_have_value("6,5")
    expect(page.locator(f"#avg-{first}")).to_have_text(re.compile(r"^\s*7,7"))
    # clicking a filled cell selects it: typing replaces the value (tx1 8 → 9: 70,5 / 9 → 7,8)
    page.locator(f"#in-{first}-tx1").click()
    page.keyboard.type("9")
    page.keyboard.press("Tab")
    expect(page.locator(f"#in-{first}-tx1")).to_have_value("9,0")
    expect(page.locator(f"#avg-{first}")).to_have_text(re.compile(r"^\s*7,8"))
    # a value still being typed when the page is left is saved anyway (sendBeacon on pagehide)
    page.locator(f"#in-{second}-tx1").click()
    page.keyboard.type("6")
    page.goto(f"{live_server}/gradebook/")
    page.go_back()
    # the beacon races the page we come back to (Playwright does not report beacons to wait on):
    # reload until the server shows it, for a few seconds at most
    for _ in range(20):
        if page.locator(f"#in-{second}-tx1").input_value() == "6,0":
            break
        page.wait_for_timeout(250)
        page.reload()
    expect(page.locator(f"#in-{second}-tx1")).to_have_value("6,0")
    assert violations == []


def test_teacher_pastes_a_column_from_excel(page, live_server, browser_login, school_fixture) -> None:
    students = [s.id for s in school_fixture.students_a1]
    browser_login(live_server, "t1")
    page.goto(f"{live_server}/gradebook/")
    page.get_by_role("button", name="Mở sổ điểm Toán 10A1 Học kỳ I", exact=True).click()
    page.locator(".grade-grid").wait_for()
    target = page.locator(f"#in-{students[0]}-gk")
    target.click()
    target.evaluate("""el => {
        const data = new DataTransfer();
        data.setData('text/plain', '8\\r\\n7,5\\r\\n9\\r\\n');  // a column copied from Excel
        const init = {clipboardData: data, bubbles: true, cancelable: true};
        el.dispatchEvent(new ClipboardEvent('paste', init));
    }""")
    expect(page.locator(".grade-grid .flash")).to_contain_text("Đã lưu 3 ô.")
    for sid, value in zip(students, ("8,0", "7,5", "9,0"), strict=True):
        expect(page.locator(f"#in-{sid}-gk")).to_have_value(value)
    expect(page.locator(f"#in-{students[0]}-gk")).to_be_focused()
