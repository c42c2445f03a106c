"""The GVCN's one-to-one messages to a family: only that student's guardians see them
(isolation over the whole class), the read receipt is the first time a guardian saw it,
one reply, the GVCN sees read/unread and the reply, the class counts unread replies;
audited with the text only as a keyed digest; out of scope → 404."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.parents.views.common import PLAIN_404
from tests.parents.conftest import NAMES, OTHER, issue, open_as_parent


def _note(i: int) -> str:
    return f"Em vắng học ngày 14/11, mã-riêng-{i:02d}"


def _send(client, class_id: int, student_id: int, body: str):  # type: ignore[no-untyped-def]
    return client.post(f"/parents/classes/{class_id}/students/{student_id}/messages", data={"body": body})


def _message_ids(app) -> dict[int, int]:  # type: ignore[no-untyped-def]
    from app.parents.models import ParentMessage

    with app.app_context():
        return {m.student_id: m.id for m in db.session.scalars(select(ParentMessage))}


def test_each_family_sees_only_its_own_messages_over_a_whole_class(app, parents_school, as_user, login_as) -> None:
    ns = parents_school
    app.config["SODIENTU_PARENT_FAIL_RATE"] = "1000 per minute"  # this test probes on purpose
    gvcn = login_as(ns.gvcn)
    for i, s in enumerate(ns.students):
        assert _send(gvcn, ns.cls.id, s.id, _note(i)).status_code == 303
    assert _send(login_as(ns.gvcn2), ns.other_cls.id, ns.others[0].id, _note(99)).status_code == 303
    ids = _message_ids(app)
    everyone = NAMES + OTHER
    for i, s in enumerate(ns.students):
        client = app.test_client()
        open_as_parent(client, issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[s.id]))
        body = client.get("/p/view").get_data(as_text=True)
        assert _note(i) in body and "Tin nhắn của giáo viên chủ nhiệm" in body
        assert [j for j in (*range(len(ns.students)), 99) if j != i and _note(j) in body] == []
        assert [n for n in everyone if n != s.full_name and n in body] == []
        for other, message_id in ids.items():
            if other != s.id:  # another family's message: the plain 404, nothing written
                refused = client.post(f"/p/messages/{message_id}/reply", data={"reply": "Không phải của tôi"})
                assert refused.status_code == 404 and refused.get_data(as_text=True) == PLAIN_404
    from app.parents.models import ParentMessage

    with app.app_context():
        assert [m.reply for m in db.session.scalars(select(ParentMessage))] == [""] * 5


def test_read_receipt_reply_and_the_gvcn_sees_them(app, parents_school, as_user, login_as) -> None:
    from app.audit.models import AuditEvent
    from app.audit.services import personal_digest
    from app.parents.models import ParentMessage
    from app.school.models import GuardianRelation, Student
    from app.school.services.guardians import add_guardian

    ns = parents_school
    s = ns.students[0]
    father = as_user(
        None,
        lambda _a: (
            add_guardian(
                None, db.session.get(Student, s.id), relation=GuardianRelation.FATHER, full_name="Bố của em"
            ).id
        ),
    )
    gvcn = login_as(ns.gvcn)
    text = "Em nghỉ học 2 buổi tuần này, gia đình cho cô biết lý do nhé."
    assert _send(gvcn, ns.cls.id, s.id, text).status_code == 303
    thread = gvcn.get(f"/parents/classes/{ns.cls.id}/students/{s.id}/messages").get_data(as_text=True)
    assert text in thread and "Chưa xem" in thread
    [message_id] = _message_ids(app).values()

    mother = app.test_client()
    open_as_parent(mother, issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[s.id]))
    first = mother.get("/p/view").get_data(as_text=True)
    assert text in first and f'id="new-{message_id}"' in first
    assert f'id="new-{message_id}"' not in mother.get("/p/view").get_data(as_text=True)  # seen: no longer new
    with app.app_context():
        message = db.session.get(ParentMessage, message_id)
        read_at, read_by = message.read_at, message.read_by_guardian_id
    assert read_at is not None and read_by == ns.guardians[s.id]

    dad = app.test_client()  # the other guardian of the same child sees it too; the receipt stays the first
    open_as_parent(dad, issue(as_user, ns.gvcn, ns.cls.id, father))
    assert text in dad.get("/p/view").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ParentMessage, message_id).read_at == read_at

    page = gvcn.get(f"/parents/classes/{ns.cls.id}/students/{s.id}/messages").get_data(as_text=True)
    assert "Đã xem" in page and "Chưa xem" not in page
    empty = mother.post(f"/p/messages/{message_id}/reply", data={"reply": "  "})
    assert empty.status_code == 422 and "Hãy viết lời trả lời." in empty.get_data(as_text=True)
    long = mother.post(f"/p/messages/{message_id}/reply", data={"reply": "x" * 501})
    assert long.status_code == 422 and "Lời trả lời tối đa 500 ký tự." in long.get_data(as_text=True)
    answer = "Cháu bị sốt, gia đình xin phép cô ạ."
    assert mother.post(f"/p/messages/{message_id}/reply", data={"reply": answer}).status_code == 303
    assert "Gia đình đã trả lời" in mother.get("/p/view").get_data(as_text=True)
    twice = dad.post(f"/p/messages/{message_id}/reply", data={"reply": "Lần hai"})
    assert twice.status_code == 409 and "Gia đình đã trả lời tin nhắn này." in twice.get_data(as_text=True)

    cls_page = gvcn.get(f"/parents/classes/{ns.cls.id}").get_data(as_text=True)
    assert "<b>1</b> trả lời của phụ huynh chưa đọc." in cls_page and "1 trả lời mới" in cls_page
    page = gvcn.get(f"/parents/classes/{ns.cls.id}/students/{s.id}/messages").get_data(as_text=True)
    assert answer in page and "Đã xem" in page
    cls_page = gvcn.get(f"/parents/classes/{ns.cls.id}").get_data(as_text=True)
    assert "Không có trả lời nào của phụ huynh chưa đọc." in cls_page  # read by opening the thread

    with app.app_context():
        events = {e.action: e for e in db.session.scalars(select(AuditEvent))}
        sent, replied = events["parent_message.sent"], events["parent_message.replied"]
        assert sent.actor_id == ns.gvcn.id and replied.actor_role == "phu_huynh" and replied.actor_id is None
        assert sent.changes["body"][1] == personal_digest(text)
        assert replied.changes["reply"][1] == personal_digest(answer)
        assert text not in str(sent.changes) and answer not in str(replied.changes)


def test_messages_are_scoped_to_the_gvcn_and_the_class(app, parents_school, login_as) -> None:
    ns = parents_school
    s = ns.students[0]
    url = f"/parents/classes/{ns.cls.id}/students/{s.id}/messages"
    assert login_as(ns.gvcn2).get(url).status_code == 404
    assert _send(login_as(ns.gvcn2), ns.cls.id, s.id, "Không được").status_code == 404
    assert login_as(ns.teacher).get(url).status_code == 404
    own = login_as(ns.gvcn)  # another class's student through one's own class
    assert own.get(f"/parents/classes/{ns.cls.id}/students/{ns.others[0].id}/messages").status_code == 404
    assert _send(own, ns.cls.id, ns.others[0].id, "Không được").status_code == 404
    empty = _send(own, ns.cls.id, s.id, "   ")
    assert empty.status_code == 422 and "Hãy viết nội dung tin nhắn." in empty.get_data(as_text=True)
    assert login_as(ns.ht).get(url).status_code == 200
    assert app.test_client().get(url).status_code in (302, 401)
    assert app.test_client().post("/p/messages/1/reply", data={"reply": "x"}).status_code == 404  # no cookie
    assert _message_ids(app) == {}
