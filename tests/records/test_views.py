"""Record screens: scope (404), roles (403), htmx and page shapes, conflicts (409), 422."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest

from app.extensions import db
from app.records.models import Record
from tests.records import samples
from tests.records.conftest import post_multipart as post_files


def version_of(app, record_id):  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.get(Record, record_id).version


def test_teacher_creates_and_submits_a_lesson_plan_through_the_form(app, rec, login_as, load) -> None:
    client = login_as(rec.t1)
    page = client.get(f"/records/new?type={rec.types['ke_hoach_bai_day']}")
    assert page.status_code == 200
    assert f'value="{rec.c10a1.id}:{rec.toan.id}"' in page.text
    assert f'value="{rec.c10a2.id}:{rec.toan.id}"' not in page.text  # only own classes offered
    response = post_files(
        client,
        f"/records/new?type={rec.types['ke_hoach_bai_day']}",
        [("Giáo án tuần 1.pdf", samples.pdf())],
        record_type=rec.types["ke_hoach_bai_day"],
        assignment=f"{rec.c10a1.id}:{rec.toan.id}",
        title="Bài 1: Mệnh đề",
        week="5",
        lesson_no="9",
        lesson_date="2024-10-10",
        action="submit",
        state="approved",
        author_id=str(rec.t2.id),
        step="5",
    )  # ignored
    assert response.status_code == 303
    record_id = int(re.search(r"/records/(\d+)$", response.headers["Location"]).group(1))
    record = load(record_id)
    assert record.author_id == rec.t1.id and record.state == "submitted" and record.step == 0
    assert record.versions[0].files[0].original_name == "Giáo án tuần 1.pdf"
    assert record.due_date == date(2024, 10, 8) and record.week == 5 and record.lesson_no == 9


def test_forged_class_choice_is_rejected_with_422(app, rec, login_as, head_seq) -> None:
    client = login_as(rec.t1)
    before = head_seq()
    response = post_files(
        client,
        f"/records/new?type={rec.types['ke_hoach_bai_day']}",
        [("a.pdf", samples.pdf())],
        record_type=rec.types["ke_hoach_bai_day"],
        assignment=f"{rec.c10a2.id}:{rec.toan.id}",
        title="x",
        lesson_date="2024-10-10",
    )
    assert response.status_code == 422
    assert head_seq() == before


def test_missing_fields_answer_422_in_vietnamese(rec, login_as) -> None:
    client = login_as(rec.t1)
    response = post_files(
        client,
        f"/records/new?type={rec.types['ke_hoach_bai_day']}",
        [],
        record_type=rec.types["ke_hoach_bai_day"],
        title="",
    )
    assert response.status_code == 422
    assert "Vui lòng nhập tiêu đề" in response.text
    assert "Vui lòng chọn lớp và môn" in response.text
    assert "Cần đính kèm ít nhất một tệp" in response.text


@pytest.mark.parametrize("who", ["gv_van", "t2", "tt_van"])
def test_records_of_another_tổ_or_teacher_are_404_everywhere(app, rec, make_record, login_as, who, load) -> None:
    """A teacher of tổ Văn (or another Toán teacher) cannot see or decide t1's plan by URL."""
    record_id = make_record(submit=True)
    file_id = load(record_id).versions[0].files[0].id
    version = version_of(app, record_id)
    client = login_as(getattr(rec, who))
    for url in (
        f"/records/{record_id}",
        f"/records/{record_id}/versions",
        f"/records/{record_id}/files/{file_id}",
        f"/audit/timeline/record/{record_id}",
        f"/records/{record_id}/edit",
        f"/records/{record_id}/versions/new",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Bài 1" not in response.text
    for action in ("approve", "return", "withdraw", "submit", "delete", "comments"):
        response = client.post(f"/records/{record_id}/{action}", data={"version": version, "comment": "x", "body": "x"})
        reviewer_only = action in ("approve", "return")
        expected = 403 if reviewer_only and who != "tt_van" else 404  # role first, then scope
        assert response.status_code == expected, action
    assert load(record_id).state == "submitted" and len(load(record_id).decisions) == 1


def test_admin_manages_types_but_never_sees_records(rec, make_record, login_as) -> None:
    record_id = make_record(submit=True)
    client = login_as(rec.admin)
    assert client.get(f"/records/{record_id}").status_code == 403
    assert client.get("/records/review").status_code == 403
    assert client.get("/audit/feed").status_code == 403
    assert client.post(f"/records/{record_id}/approve", data={"version": 2}).status_code == 403
    assert client.get("/records/types").status_code == 200


def test_head_approves_with_htmx_and_gets_the_fragment(app, rec, make_record, login_as, load) -> None:
    record_id = make_record(submit=True)
    client = login_as(rec.tt_toan)
    page = client.get(f"/records/{record_id}")
    assert page.status_code == 200 and "<html" in page.text and 'id="approve-form"' in page.text
    response = client.htmx(
        "POST", f"/records/{record_id}/approve", data={"version": version_of(app, record_id), "comment": "Đạt"}
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.headers["HX-Trigger"] == "recordChanged"
    assert "HX-Request" in response.headers["Vary"]
    assert f'id="record-{record_id}-workflow"' in response.text
    assert 'hx-swap-oob="true"' in response.text and "Đã duyệt" in response.text
    assert load(record_id).step == 1


def test_double_approval_answers_409_with_the_current_state(app, rec, make_record, login_as, load) -> None:
    record_id = make_record(submit=True)
    seen = version_of(app, record_id)
    client = login_as(rec.tt_toan)
    first = client.htmx("POST", f"/records/{record_id}/approve", data={"version": seen})
    second = client.htmx("POST", f"/records/{record_id}/approve", data={"version": seen})
    assert first.status_code == 200
    assert second.status_code == 409
    assert "vừa được người khác xử lý" in second.text and "<html" not in second.text
    plain = client.post(f"/records/{record_id}/approve", data={"version": seen})
    assert plain.status_code == 409 and "<html" in plain.text
    assert [d.action for d in load(record_id).decisions] == ["submit", "approve"]


def test_return_without_a_reason_is_422(app, rec, make_record, login_as, load) -> None:
    record_id = make_record(submit=True)
    client = login_as(rec.tt_toan)
    response = client.htmx(
        "POST", f"/records/{record_id}/return", data={"version": version_of(app, record_id), "comment": ""}
    )
    assert response.status_code == 422
    assert "ghi rõ lý do" in response.text
    assert load(record_id).state == "submitted"
    ok = client.post(
        f"/records/{record_id}/return", data={"version": version_of(app, record_id), "comment": "Thiếu mục tiêu"}
    )
    assert ok.status_code == 303 and load(record_id).state == "returned"


def test_teacher_resubmits_a_new_version_after_a_return(app, rec, make_record, login_as, as_user, load) -> None:
    record_id = make_record(submit=True)
    login_as(rec.tt_toan).post(
        f"/records/{record_id}/return", data={"version": version_of(app, record_id), "comment": "Sửa"}
    )
    client = login_as(rec.t1)
    mine = client.get("/records/mine")
    assert "Sửa" in mine.text and 'id="my-returned"' in mine.text
    form = client.get(f"/records/{record_id}/versions/new")
    assert form.status_code == 200
    response = post_files(
        client,
        f"/records/{record_id}/versions/new",
        [("giao-an-v2.docx", samples.docx())],
        version=version_of(app, record_id),
        note="Đã sửa",
        action="submit",
    )
    assert response.status_code == 303
    record = load(record_id)
    assert record.state == "submitted" and [v.number for v in record.versions] == [1, 2]
    stale = post_files(client, f"/records/{record_id}/versions/new", [("x.pdf", samples.pdf())], version=1)
    assert stale.status_code == 409  # submitted again: locked until returned


def test_comments_thread_htmx(app, rec, make_record, login_as, load) -> None:
    record_id = make_record(submit=True)
    client = login_as(rec.tt_toan)
    response = client.htmx(
        "POST", f"/records/{record_id}/comments", data={"body": "<img src=x onerror=alert(1)> {{7*7}}"}
    )
    assert response.status_code == 200 and "<html" not in response.text
    # escaped and shown as typed: {{7*7}} not evaluated (not "49" anywhere: the comment's
    # own timestamp may hold it, as at 03:49)
    assert "&lt;img src=x onerror=alert(1)&gt; {{7*7}}" in response.text
    empty = client.htmx("POST", f"/records/{record_id}/comments", data={"body": ""})
    assert empty.status_code == 422
    assert len(load(record_id).comments) == 1


def test_review_queue_shows_only_what_waits_for_me(app, rec, make_record, login_as) -> None:
    record_id = make_record(submit=True, title="Giáo án chờ tổ Toán")
    toan = login_as(rec.tt_toan).get("/records/review")
    assert "Giáo án chờ tổ Toán" in toan.text and 'id="review-queue"' in toan.text
    assert 'hx-trigger="every 5s' in toan.text
    assert "Giáo án chờ tổ Toán" not in login_as(rec.tt_van).get("/records/review").text
    assert "Giáo án chờ tổ Toán" not in login_as(rec.ht).get("/records/review").text
    fragment = login_as(rec.tt_toan).htmx("GET", "/records/review")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "Giáo án chờ tổ Toán" in fragment.text
    login_as(rec.tt_toan).post(f"/records/{record_id}/approve", data={"version": version_of(app, record_id)})
    assert "Giáo án chờ tổ Toán" in login_as(rec.ht).get("/records/review").text
    assert login_as(rec.t1).get("/records/review").status_code == 403


def test_download_is_an_inert_attachment_and_is_audited(
    app, rec, make_record, login_as, load, audit_tail, head_seq
) -> None:
    polyglot = samples.pdf() + b"<html><script>alert(1)</script></html>"
    record_id = make_record(files=[("Giáo án tuần 1.pdf", polyglot)])
    file_id = load(record_id).versions[0].files[0].id
    before = head_seq()
    response = login_as(rec.t1).get(f"/records/{record_id}/files/{file_id}", buffered=True)
    response.close()
    assert response.status_code == 200
    assert response.data == polyglot
    h = response.headers
    assert h["Content-Type"] == "application/pdf"
    assert h["Content-Disposition"] == (
        "attachment; filename=\"Giao an tuan 1.pdf\"; filename*=UTF-8''Gi%C3%A1o%20%C3%A1n%20tu%E1%BA%A7n%201.pdf"
    )
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert h["Cache-Control"] == "private, no-store"
    assert [a for a, *_ in audit_tail(before)] == ["record.file_downloaded"]
    other = login_as(rec.tt_van).get(f"/records/{record_id}/files/{file_id}")
    assert other.status_code == 404


def test_the_413_page_states_the_limit(app, rec, login_as) -> None:
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    client = login_as(rec.t1)
    boundary, body = encode_multipart(  # built in memory: Flask must refuse it unread
        {"files": FileStorage(io.BytesIO(b"%PDF-" + b"0" * (2 * 1024 * 1024)), "big.pdf")}
    )
    response = client.post(
        f"/records/new?type={rec.types['ke_hoach_bai_day']}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert f"tối đa {app.config['SODIENTU_UPLOAD_MAX_MB']} MB" in response.text


def test_mine_page_lists_records_by_status(rec, make_record, login_as) -> None:
    make_record(title="Bản nháp A")
    make_record(title="Đã nộp B", submit=True)
    page = login_as(rec.t1).get("/records/mine")
    assert page.status_code == 200
    assert "Bản nháp A" in page.text and "Đã nộp B" in page.text
    assert 'id="new-record-links"' in page.text
    assert login_as(rec.ht).get("/records/mine").status_code == 200


def test_reviewer_who_sees_a_draft_cannot_edit_it_and_the_denial_is_audited(app, rec, make_record, login_as) -> None:
    from tests.conftest import denied_total

    record_id = make_record()  # t1's draft, visible to tổ trưởng Toán
    client = login_as(rec.tt_toan)
    assert client.get(f"/records/{record_id}").status_code == 200
    for url in (f"/records/{record_id}/edit", f"/records/{record_id}/versions/new"):
        assert client.get(url).status_code == 403
    assert denied_total(app, rec.tt_toan.id) == 2
