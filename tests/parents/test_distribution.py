"""The distribution sheet: one click links the families without one; each message names its
own child, carries its own link and no score; each link opens that child's page only."""

from __future__ import annotations

import html
import re

from tests.parents.conftest import NAMES, issue, open_as_parent, remark_of


def test_issue_all_gives_each_family_its_own_link_and_message(app, parents_school, as_user, login_as) -> None:
    ns = parents_school
    issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id])  # this family already has one
    gvcn = login_as(ns.gvcn)
    r = gvcn.post(f"/parents/classes/{ns.cls.id}/issue-all")
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "Trang này chỉ hiện một lần" in body and "1 phụ huynh đã có đường dẫn" in body
    messages = [html.unescape(m) for m in re.findall(r"<textarea[^>]*>(.*?)</textarea>", body, re.S)]
    assert len(messages) == 3 and body.count("<svg") == 3
    for name, message in zip(NAMES[1:], messages, strict=True):
        assert f"phụ huynh em {name}" in message and "xin đừng chia sẻ" in message
        assert not re.search(r"\d,\d", message) and remark_of(name) not in message  # no score, no remark
        url = re.search(r"(http://\S+/p/[A-Za-z0-9_-]{43})", message).group(1)  # type: ignore[union-attr]
        parent = app.test_client()
        assert open_as_parent(parent, url.rsplit("/p/", 1)[1]).status_code == 303
        page = parent.get("/p/view").get_data(as_text=True)
        assert name in page and [n for n in NAMES if n != name and n in page] == []
    again = gvcn.post(f"/parents/classes/{ns.cls.id}/issue-all").get_data(as_text=True)
    assert "Mọi phụ huynh của lớp đã có đường dẫn còn hạn." in again
    assert login_as(ns.gvcn2).post(f"/parents/classes/{ns.cls.id}/issue-all").status_code == 404
