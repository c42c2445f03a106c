"""R22: the register of data-subject requests — BGH only, due 2 working days later, answered
once, a deletion's reply says statutory records are kept, overdue ones flagged on the home."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.extensions import db
from app.privacy.services import today_local
from app.privacy.workdays import holiday_list


def _requests(app):  # type: ignore[no-untyped-def]
    from app.privacy.models import DataRequest

    with app.app_context():
        return db.session.scalars(select(DataRequest).order_by(DataRequest.id)).all()


def _code(app, student):  # type: ignore[no-untyped-def]
    from app.school.models import Student

    with app.app_context():
        return db.session.get(Student, student.id).student_code


def _register(client, code, **over):  # type: ignore[no-untyped-def]
    data = {"student_code": code, "kind": "access", "requester": "me", "received_on": "05/03/2026", "details": ""}
    return client.post("/privacy/requests", data={**data, **over})


def test_bgh_registers_a_request_due_two_working_days_later(app, parents_school, login_as) -> None:
    from app.audit.models import AuditEvent

    ns = parents_school
    s = ns.students[0]
    bgh = login_as(ns.ht)
    r = _register(bgh, _code(app, s), details="Xin bản sao dữ liệu của con")
    assert r.status_code == 303
    (row,) = _requests(app)
    assert row.received_on == date(2026, 3, 5) and row.due_on == date(2026, 3, 9)  # Thu → Mon
    assert row.guardian_id == ns.guardians[s.id] and row.requester == "guardian" and row.status == "open"
    page = bgh.get(r.headers["Location"]).get_data(as_text=True)
    assert "Truy cập" in page and "09/03/2026" in page and "Đang xử lý" in page
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "data_request.created")).one()
        assert event.changes["due_on"] == [None, "2026-03-09"] and "Xin bản sao" not in str(event.changes)
    listing = bgh.get("/privacy/requests").get_data(as_text=True)
    assert s.full_name in listing and "quá hạn" in listing  # 9/3/2026 is long past
    days_off = holiday_list(today_local().year)  # the page lists this year's days off by name
    assert all(f"{day:%d/%m/%Y} — {name}" in listing for day, name in days_off) and "Quốc khánh" in listing
    student_asks = _register(bgh, _code(app, s), requester="student", kind="restriction")
    assert student_asks.status_code == 303 and _requests(app)[-1].guardian_id is None


def test_bad_input_is_refused_in_vietnamese(app, parents_school, login_as) -> None:
    ns = parents_school
    bgh = login_as(ns.ht)
    code = _code(app, ns.students[0])
    cases = [
        ({"student_code": "KHONG-CO"}, "Không tìm thấy học sinh có mã “KHONG-CO”"),
        ({"kind": "hack"}, "Hãy chọn loại yêu cầu"),
        ({"received_on": "32/13/2026"}, "32/13/2026"),
        ({"received_on": ""}, "ngày nhận yêu cầu"),
        ({"requester": "cha"}, "không có người giám hộ với quan hệ đã chọn"),  # only a mother is on file
        ({"received_on": (date.today() + timedelta(days=3)).strftime("%d/%m/%Y")}, "không được sau ngày hôm nay"),
    ]
    for over, message in cases:
        r = _register(bgh, code, **over)
        assert r.status_code == 422, over
        assert message in r.get_data(as_text=True), over
    assert _requests(app) == []


def test_only_the_bgh_and_unknown_requests_404(app, parents_school, login_as) -> None:
    ns = parents_school
    code = _code(app, ns.students[0])
    for user in (ns.gvcn, ns.teacher):
        c = login_as(user)
        assert c.get("/privacy/requests").status_code == 403
        assert _register(c, code).status_code == 403
    bgh = login_as(ns.ht)
    assert bgh.get("/privacy/requests/999").status_code == 404
    assert bgh.post("/privacy/requests/999/answer", data={"reply": "x", "outcome": "answered"}).status_code == 404
    assert bgh.post("/privacy/requests/999/export").status_code == 404
    _register(bgh, code)
    rid = _requests(app)[0].id
    assert login_as(ns.gvcn).get(f"/privacy/requests/{rid}").status_code == 403
    assert login_as(ns.gvcn).post(f"/privacy/requests/{rid}/export").status_code == 403


def test_a_deletion_reply_says_statutory_records_are_kept_and_answers_once(app, parents_school, login_as) -> None:
    from app.privacy.services import STATUTORY_NOTE

    ns = parents_school
    bgh = login_as(ns.ht)
    _register(bgh, _code(app, ns.students[1]), kind="deletion")
    rid = _requests(app)[0].id
    form = bgh.get(f"/privacy/requests/{rid}").get_data(as_text=True)
    assert "học bạ và sổ theo dõi và đánh giá học sinh là hồ sơ nhà trường phải lưu giữ" in form
    empty = bgh.post(f"/privacy/requests/{rid}/answer", data={"reply": "", "outcome": "answered"})
    assert empty.status_code == 422 and "Hãy nhập nội dung trả lời" in empty.get_data(as_text=True)
    wrong = bgh.post(f"/privacy/requests/{rid}/answer", data={"reply": "Đã xóa.", "outcome": "maybe"})
    assert wrong.status_code == 422 and "Hãy chọn trả lời hoặc từ chối" in wrong.get_data(as_text=True)
    ok = bgh.post(f"/privacy/requests/{rid}/answer", data={"reply": "Đã xóa số điện thoại.", "outcome": "answered"})
    assert ok.status_code == 303
    (row,) = _requests(app)
    assert row.status == "answered" and row.reply.startswith("Đã xóa số điện thoại.") and STATUTORY_NOTE in row.reply
    assert row.answered_by_id == ns.ht.id and row.answered_at is not None
    again = bgh.post(f"/privacy/requests/{rid}/answer", data={"reply": "Lần hai", "outcome": "refused"})
    assert again.status_code == 409 and "đã được trả lời" in again.get_data(as_text=True)


def test_overdue_open_requests_are_flagged_on_the_bgh_home(app, parents_school, login_as) -> None:
    ns = parents_school
    bgh = login_as(ns.ht)
    assert 'id="overdue-requests"' not in bgh.get("/").get_data(as_text=True)
    code = _code(app, ns.students[0])
    _register(bgh, code, received_on="05/03/2026")
    _register(bgh, code, received_on="06/03/2026", kind="correction")
    home = bgh.get("/").get_data(as_text=True)
    assert "2 yêu cầu về dữ liệu cá nhân đã quá hạn trả lời" in home and "/privacy/requests?status=open" in home
    assert 'id="overdue-requests"' not in login_as(ns.gvcn).get("/").get_data(as_text=True)
    rid = _requests(app)[0].id
    bgh.post(f"/privacy/requests/{rid}/answer", data={"reply": "Đã gửi dữ liệu.", "outcome": "answered"})
    assert "1 yêu cầu về dữ liệu cá nhân đã quá hạn" in bgh.get("/").get_data(as_text=True)
    today = date.today().strftime("%d/%m/%Y")
    _register(bgh, code, received_on=today)  # due later: not flagged
    assert "1 yêu cầu về dữ liệu cá nhân đã quá hạn" in bgh.get("/").get_data(as_text=True)


def test_request_actions_have_vietnamese_labels(app) -> None:
    from app.audit.registry import registry

    labels = registry(app).labels
    for action in ("data_request.created", "data_request.answered", "data_request.refused",
                   "student.data_exported", "guardian.erased"):  # fmt: skip
        assert labels[action][0].isupper(), action
