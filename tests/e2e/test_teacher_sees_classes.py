"""Journey: a teacher signs in and sees the classes they teach (and only those)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_teacher_logs_in_and_sees_only_their_classes(page, live_server, browser_login, school_fixture) -> None:
    browser_login(live_server, "t1")
    my_classes = page.locator("#my-classes")
    my_classes.wait_for()
    assert "10A1" in my_classes.inner_text()
    assert "10A2" not in page.content()
    my_classes.get_by_role("link", name="10A1").first.click()
    page.locator("#student-list").wait_for()
    rows = page.locator("#student-list tbody tr")
    assert rows.count() == 3
    assert "Canary-A01" in rows.first.inner_text()
