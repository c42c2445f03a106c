"""Every integer a records form takes is bounded (issue 7): a 30-digit id, row version or
number in any POST field answers 422 with a Vietnamese sentence and changes nothing —
never an OverflowError 500. Forms that edit stored data refuse a POST that omits a field."""

from __future__ import annotations

from typing import Any

import pytest

from app.extensions import db
from app.records.models import Record, RecordType
from tests.records import samples
from tests.records.conftest import post_multipart
from tests.security.conftest import audit_actions, audit_head, db_digest

HUGE = "9" * 30
NOT_A_NUMBER = "không phải số nguyên hợp lệ"
BAD_VERSION = "Phiên bản hồ sơ gửi lên không hợp lệ"
TYPE_FORM = {
    "name": "Kế hoạch bài dạy",
    "description": "",
    "step1": "to_truong",
    "step2": "bgh",
    "step3": "",
    "made_by": "giao_vien",
    "requires_class_subject": "y",
    "deadline_days_before_lesson": "2",
    "active": "y",
    "sort_order": "10",
}


@pytest.fixture
def objects(app, rec, make_record):  # type: ignore[no-untyped-def]
    """A draft and a submitted record of t1, the form values the pages would send."""
    draft = make_record(rec.t1, title="Bản nháp")
    submitted = make_record(rec.t1, title="Đã nộp", submit=True)
    with app.app_context():
        versions = {i: db.session.get(Record, i).version for i in (draft, submitted)}
        file_id = db.session.get(Record, draft).current_version.files[0].id
    return {
        "draft": draft,
        "submitted": submitted,
        "versions": versions,
        "file_id": file_id,
        "kh": rec.types["ke_hoach_bai_day"],
    }


def _record_form(rec) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"title": "Bài 1", "week": "5", "lesson_no": "9", "lesson_date": "2024-10-10", "notes": ""}


def cases(rec, o) -> list[tuple[str, str, str, str, dict[str, Any], bool, str]]:  # type: ignore[no-untyped-def]
    """(endpoint, who, url, field, form, multipart, sentence) — one per integer field."""
    d, s, v = o["draft"], o["submitted"], o["versions"]
    new = {**_record_form(rec), "record_type": o["kh"], "assignment": f"{rec.c10a1.id}:{rec.toan.id}"}
    edit = {**_record_form(rec), "version": v[d]}
    version = {"version": v[d], "keep": o["file_id"], "note": ""}
    return [
        ("records.new_record", "t1", f"/records/new?type={o['kh']}", "week", new, True, NOT_A_NUMBER),
        ("records.new_record", "t1", f"/records/new?type={o['kh']}", "lesson_no", new, True, NOT_A_NUMBER),
        ("records.new_record", "t1", "/records/new", "record_type", new, True, "Loại hồ sơ không hợp lệ"),
        ("records.new_record", "t1", f"/records/new?type={o['kh']}", "assignment", new, True, "Lựa chọn không hợp lệ"),
        ("records.edit", "t1", f"/records/{d}/edit", "version", edit, False, BAD_VERSION),
        ("records.edit", "t1", f"/records/{d}/edit", "week", edit, False, NOT_A_NUMBER),
        ("records.edit", "t1", f"/records/{d}/edit", "lesson_no", edit, False, NOT_A_NUMBER),
        ("records.new_version", "t1", f"/records/{d}/versions/new", "version", version, True, BAD_VERSION),
        ("records.new_version", "t1", f"/records/{d}/versions/new", "keep", version, True, "tệp giữ lại không hợp lệ"),
        ("records.submit", "t1", f"/records/{d}/submit", "version", {"version": v[d]}, False, BAD_VERSION),
        ("records.delete", "t1", f"/records/{d}/delete", "version", {"version": v[d]}, False, BAD_VERSION),
        ("records.withdraw", "t1", f"/records/{s}/withdraw", "version", {"version": v[s]}, False, BAD_VERSION),
        ("records.approve", "tt_toan", f"/records/{s}/approve", "version", {"version": v[s]}, False, BAD_VERSION),
        (
            "records.return_",
            "tt_toan",
            f"/records/{s}/return",
            "version",
            {"version": v[s], "comment": "Thiếu phần vận dụng."},
            False,
            BAD_VERSION,
        ),
        (
            "records.type_new",
            "admin",
            "/records/types/new",
            "sort_order",
            {**TYPE_FORM, "code": "moi"},
            False,
            NOT_A_NUMBER,
        ),
        (
            "records.type_new",
            "admin",
            "/records/types/new",
            "deadline_days_before_lesson",
            {**TYPE_FORM, "code": "moi"},
            False,
            NOT_A_NUMBER,
        ),
        ("records.type_edit", "admin", f"/records/types/{o['kh']}/edit", "sort_order", TYPE_FORM, False, NOT_A_NUMBER),
        (
            "records.type_edit",
            "admin",
            f"/records/types/{o['kh']}/edit",
            "deadline_days_before_lesson",
            TYPE_FORM,
            False,
            NOT_A_NUMBER,
        ),
    ]


#: POST endpoints whose forms hold no integer (the comment form: one text field)
NO_INTEGER_FIELD = {"records.comment"}


def _post(client, url: str, form: dict[str, Any], multipart: bool, htmx: bool = False):  # type: ignore[no-untyped-def]
    if multipart:
        return post_multipart(client, url, [("giao-an.pdf", samples.pdf(text="bounds"))], htmx=htmx, **form)
    if htmx:
        return client.htmx("POST", url, data=form)
    return client.post(url, data=form)


def test_every_records_post_endpoint_is_walked(app, rec, objects) -> None:
    posts = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("records.") and "POST" in r.methods}
    walked = {c[0] for c in cases(rec, objects)}
    assert posts == walked | NO_INTEGER_FIELD


#: the order of cases(), for test ids
CASE_IDS = [
    "new_record-week",
    "new_record-lesson_no",
    "new_record-record_type",
    "new_record-assignment",
    "edit-version",
    "edit-week",
    "edit-lesson_no",
    "new_version-version",
    "new_version-keep",
    "submit-version",
    "delete-version",
    "withdraw-version",
    "approve-version",
    "return-version",
    "type_new-sort_order",
    "type_new-deadline_days_before_lesson",
    "type_edit-sort_order",
    "type_edit-deadline_days_before_lesson",
]


@pytest.mark.parametrize("index", range(len(CASE_IDS)), ids=CASE_IDS)
def test_a_30_digit_value_in_any_integer_field_is_a_422_in_vietnamese(app, rec, objects, login_as, index) -> None:
    endpoint, who, url, field, form, multipart, sentence = cases(rec, objects)[index]
    assert CASE_IDS[index].split("-") == [endpoint.split(".")[1].rstrip("_"), field]
    client = login_as(getattr(rec, who))
    before, head = db_digest(app), audit_head(app)
    for htmx in (False, True):
        response = _post(client, url, {**form, field: HUGE}, multipart, htmx)
        assert response.status_code == 422, (htmx, response.status_code)
        assert sentence in response.get_data(as_text=True), htmx
    assert db_digest(app) == before and audit_actions(app, head) == []
    ok = _post(client, url, form, multipart)  # the same form with a sane value goes through
    assert ok.status_code == 303, ok.status_code


def test_a_comment_with_stray_huge_numbers_is_still_fine(rec, objects, login_as) -> None:
    client = login_as(rec.tt_toan)
    response = client.post(f"/records/{objects['submitted']}/comments", data={"body": "Đạt.", "version": HUGE})
    assert response.status_code == 303


@pytest.mark.parametrize("missing", ["title", "notes", "lesson_date", "week", "version"])
def test_an_edit_that_omits_a_field_is_refused_not_read_as_clear(app, rec, objects, login_as, missing) -> None:
    d = objects["draft"]
    form = {**_record_form(rec), "notes": "Giữ nguyên", "version": objects["versions"][d]}
    client = login_as(rec.t1)
    assert client.post(f"/records/{d}/edit", data=form).status_code == 303
    with app.app_context():
        version = db.session.get(Record, d).version
    before = db_digest(app)
    response = client.post(
        f"/records/{d}/edit", data={k: v for k, v in {**form, "version": version}.items() if k != missing}
    )
    assert response.status_code == 422 and "Thiếu trường" in response.text
    assert db_digest(app) == before


def test_a_type_edit_that_omits_a_setting_is_refused(app, rec, login_as) -> None:
    kh = rec.types["ke_hoach_bai_day"]
    client = login_as(rec.admin)
    before = db_digest(app)
    for missing in ("deadline_days_before_lesson", "description", "step2", "sort_order"):
        response = client.post(f"/records/types/{kh}/edit", data={k: v for k, v in TYPE_FORM.items() if k != missing})
        assert response.status_code == 422 and "Thiếu trường" in response.text, missing
    assert db_digest(app) == before
    with app.app_context():
        assert db.session.get(RecordType, kh).deadline_days_before_lesson == 2
    clear = client.post(f"/records/types/{kh}/edit", data={**TYPE_FORM, "deadline_days_before_lesson": ""})
    assert clear.status_code == 303  # clearing is explicit: the field sent empty
    with app.app_context():
        assert db.session.get(RecordType, kh).deadline_days_before_lesson is None


def test_a_record_without_lesson_fields_is_edited_without_them(app, rec, make_record, login_as) -> None:
    """The edit page shows week, lesson and date only for types tied to a class and subject."""
    record_id = make_record(rec.t1, code="ke_hoach_giao_duc_gv", title="Kế hoạch giáo dục")
    with app.app_context():
        version = db.session.get(Record, record_id).version
    client = login_as(rec.t1)
    page = client.get(f"/records/{record_id}/edit")
    assert page.status_code == 200 and 'name="week"' not in page.text
    response = client.post(
        f"/records/{record_id}/edit", data={"title": "Kế hoạch giáo dục (sửa)", "notes": "", "version": version}
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Record, record_id).title == "Kế hoạch giáo dục (sửa)"
