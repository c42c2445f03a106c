# ruff: noqa: F811  (the parents_school fixture imported from tests/parents/conftest.py)
"""Journey (issue 12): on a phone (375 px) the GVCN writes a one-to-one message to a
family, the parent opens the private link, reads it and replies; the GVCN then sees
"Đã xem" and the reply, and the class page counted the unread reply."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_close_journey import _overflows
from tests.parents.conftest import NAMES, parents_school  # noqa: F401

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", (375,))
def test_gvcn_messages_a_family_and_sees_it_read_and_answered(
    page,
    live_server,
    browser_login,
    parents_school,
    width,
) -> None:
    ns = parents_school
    student = ns.students[0]
    guardian = ns.guardians[student.id]
    page.set_viewport_size({"width": width, "height": 900})
    browser_login(live_server, "gvcn")
    page.goto(f"{live_server}/parents/classes/{ns.cls.id}")
    page.locator(f"#issue-{guardian}").click()
    url = page.locator("#issued-url").input_value()
    page.locator(f"#messages-{student.id}-{guardian}").click()
    note = "Em vắng học sáng thứ Hai, gia đình cho cô biết lý do nhé."
    page.locator("#message-body").fill(note)
    page.locator("#send-message").click()
    expect(page.locator("#thread")).to_contain_text(note)
    expect(page.locator("#thread")).to_contain_text("Chưa xem")
    assert not _overflows(page)

    parent_context = page.context.browser.new_context(viewport={"width": 375, "height": 800})
    parent = parent_context.new_page()
    parent.goto(url)
    parent.locator("#consent").check()  # R21: asked once, never pre-ticked
    parent.locator("#open-button").click()
    expect(parent.locator("#child-name")).to_have_text(NAMES[0])
    messages = parent.locator("#messages")
    expect(messages).to_contain_text(note)
    expect(messages).to_contain_text("Mới")
    assert not _overflows(parent)
    answer = "Cháu bị sốt, gia đình xin phép cô ạ."
    parent.locator("#messages textarea").fill(answer)
    parent.locator("#messages button[type=submit]").click()
    expect(parent.locator("#messages")).to_contain_text("Gia đình đã trả lời")
    expect(parent.locator("#messages")).to_contain_text(answer)
    parent_context.close()

    page.goto(f"{live_server}/parents/classes/{ns.cls.id}")
    expect(page.locator("#unread-replies")).to_contain_text("1 trả lời của phụ huynh chưa đọc")
    page.locator(f"#messages-{student.id}-{guardian}").click()
    expect(page.locator("#thread")).to_contain_text("Đã xem")
    expect(page.locator("#thread")).to_contain_text(answer)
    assert not _overflows(page)
