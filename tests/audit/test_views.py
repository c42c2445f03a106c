"""Audit screens: a record's timeline, the BGH live feed (htmx polling), head and digest."""

from __future__ import annotations

import re

from app.audit import services as audit
from app.extensions import db
from app.records.models import Record


def version_of(app, record_id):  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.get(Record, record_id).version


def test_timeline_lists_every_step_with_times(app, rec, make_record, login_as) -> None:
    record_id = make_record(submit=True)
    login_as(rec.tt_toan).post(
        f"/records/{record_id}/return", data={"version": version_of(app, record_id), "comment": "Sửa"}
    )
    login_as(rec.t1).post(f"/records/{record_id}/comments", data={"body": "Em sẽ sửa ạ"})
    page = login_as(rec.t1).get(f"/records/{record_id}")
    assert page.status_code == 200 and 'id="timeline-record-' in page.text
    fragment = login_as(rec.t1).htmx("GET", f"/audit/timeline/record/{record_id}")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    actions = re.findall(r'data-action="([a-z_.]+)"', fragment.text)
    assert actions == ["record.created", "record.submitted", "record.returned", "record.commented"]
    assert len(re.findall(r"<time datetime=", fragment.text)) == 4
    assert "Nộp duyệt phiên bản 1 — chờ Tổ trưởng chuyên môn" in fragment.text  # what happened, not state codes
    assert "Tổ trưởng chuyên môn trả lại" in fragment.text and "Sửa" in fragment.text
    assert login_as(rec.tt_van).get(f"/audit/timeline/record/{record_id}").status_code == 404
    assert login_as(rec.t1).get(f"/audit/timeline/grade/{record_id}").status_code == 404


def test_live_feed_polls_and_prepends_new_events(app, rec, make_record, login_as) -> None:
    first = make_record(submit=True, title="Giáo án thứ nhất")
    client = login_as(rec.ht)
    page = client.get("/audit/feed")
    assert page.status_code == 200 and "Giáo án thứ nhất" in page.text
    after = int(re.search(r'data-after="(\d+)"', page.text).group(1))
    assert 'hx-trigger="every 5s"' in page.text
    quiet = client.htmx("GET", f"/audit/feed/poll?after={after}")
    assert quiet.status_code == 200 and "hx-swap-oob" not in quiet.text
    make_record(submit=True, title="Giáo án thứ hai")
    login_as(rec.tt_toan).post(f"/records/{first}/approve", data={"version": version_of(app, first)})
    news = client.htmx("GET", f"/audit/feed/poll?after={after}")
    assert 'hx-swap-oob="afterbegin:#audit-feed-items"' in news.text
    assert "Giáo án thứ hai" in news.text and "Tổ trưởng chuyên môn đã duyệt — chuyển Ban giám hiệu" in news.text
    assert "Giáo án thứ nhất" in news.text  # its approval
    new_after = int(re.search(r'data-after="(\d+)"', news.text).group(1))
    with app.app_context():
        assert new_after == audit.head()[0]
    for user in (rec.t1, rec.tt_toan, rec.admin):
        assert login_as(user).get("/audit/feed").status_code == 403
    for hostile in ("9" * 30, "-1", "x"):
        assert client.htmx("GET", f"/audit/feed/poll?after={hostile}").status_code == 200


def test_head_and_daily_digest_show_the_current_hash(app, rec, make_record, login_as) -> None:
    make_record(submit=True)
    with app.app_context():
        seq, head_hash = audit.head()
    client = login_as(rec.ht)
    head = client.htmx("GET", "/audit/head")
    assert head.status_code == 200 and head_hash in head.text and "<html" not in head.text
    digest = client.get("/audit/digest")
    assert digest.status_code == 200
    assert head_hash in digest.text and "data-print" in digest.text
    assert f"seq {seq}" in digest.text
    old = client.get("/audit/digest?day=2020-01-01")
    assert old.status_code == 200 and "Chưa có bản ghi nào" in old.text
    assert client.get("/audit/digest?day=khong-phai-ngay").status_code == 200
    assert login_as(rec.admin).get("/audit/digest").status_code == 403
    assert login_as(rec.t1).get("/audit/head").status_code == 403


def test_digest_is_a_summary_with_labels_and_exceptions_and_the_full_list_downloads(
    app, rec, make_record, login_as
) -> None:
    """Issue 8.9: no raw action codes, counts per action and tổ, the exceptions; the full
    list is a download (itself audited)."""
    import io

    from openpyxl import load_workbook

    record_id = make_record(submit=True)
    login_as(rec.tt_toan).post(f"/records/{record_id}/approve", data={"version": version_of(app, record_id)})
    login_as(rec.gv_van).get(f"/records/{record_id}")  # a probe: 404 and an authz.denied row
    client = login_as(rec.ht)
    page = client.get("/audit/digest").text
    counts = page[page.index('id="digest-counts"') : page.index('id="digest-groups"')]
    assert "Nộp duyệt" in counts and "record.submitted" not in counts
    assert "Bị từ chối truy cập" in page  # the probe is listed among the exceptions
    groups = page[page.index('id="digest-groups"') : page.index("Ngoại lệ cần lưu ý")]
    assert "Toán – Tin" in groups and "Duyệt" in groups  # the approval, counted for the tổ trưởng's tổ
    notable = page[page.index('id="digest-notable"') :]
    assert rec.gv_van.full_name in notable
    download = client.get("/audit/digest.xlsx")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    rows = list(load_workbook(io.BytesIO(download.data), read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[0][0] == "seq" and "record.submitted" in {r[5] for r in rows[1:]}
    with app.app_context():
        last = audit.history(("audit", None))[-1]
    assert last.action == "audit.digest_exported" and last.actor_id == rec.ht.id
    assert login_as(rec.t1).get("/audit/digest.xlsx").status_code == 403


def test_probes_and_downloads_never_break_the_timeline(app, rec, make_record, login_as) -> None:
    record_id = make_record(submit=True)
    with app.app_context():
        file_id = db.session.get(Record, record_id).versions[0].files[0].id
    assert login_as(rec.gv_van).get(f"/records/{record_id}").status_code == 404  # a probe
    download = login_as(rec.ht).get(f"/records/{record_id}/files/{file_id}", buffered=True)
    download.close()
    page = login_as(rec.t1).get(f"/records/{record_id}")
    assert page.status_code == 200
    actions = re.findall(r'data-action="([a-z_.]+)"', page.text)
    assert "record.file_downloaded" in actions
    assert "authz.denied" not in actions and rec.gv_van.full_name not in page.text
