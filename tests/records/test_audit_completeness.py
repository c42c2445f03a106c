"""Every column a records service changes is in the audit event it writes (issue 7: the
approval set finalized_at/awaiting after the event was built, so its changes missed them)."""

from __future__ import annotations

from app.extensions import db
from app.records import services
from app.records.models import Record


def _decide(as_user, user, record_id, fn):  # type: ignore[no-untyped-def]
    def go(actor):  # type: ignore[no-untyped-def]
        record = db.session.get(Record, record_id)
        return fn(actor, record, seen_version=record.version)

    return lambda: as_user(user, go)


def test_every_workflow_move_audits_every_column_it_changes(rec, make_record, as_user, assert_changes_audited) -> None:
    record_id = make_record(rec.t1)
    assert_changes_audited(Record, record_id, _decide(as_user, rec.t1, record_id, services.submit_record))
    assert_changes_audited(Record, record_id, _decide(as_user, rec.tt_toan, record_id, services.approve_record))
    events = assert_changes_audited(Record, record_id, _decide(as_user, rec.ht, record_id, services.approve_record))
    final = next(e for e in events if e.action == "record.approved")
    assert final.changes["state"] == ["submitted", "approved"]
    assert final.changes["finalized_at"][0] is None and final.changes["finalized_at"][1]
    assert final.changes["awaiting"][1] is None


def test_return_and_withdraw_audit_every_column_they_change(rec, make_record, as_user, assert_changes_audited) -> None:
    returned = make_record(rec.t1, submit=True)
    comment = "Bổ sung phần vận dụng."
    assert_changes_audited(
        Record,
        returned,
        _decide(as_user, rec.tt_toan, returned, lambda a, r, **kw: services.return_record(a, r, comment=comment, **kw)),
    )
    withdrawn = make_record(rec.t1, submit=True, title="Bài 2")
    assert_changes_audited(Record, withdrawn, _decide(as_user, rec.t1, withdrawn, services.withdraw_record))


def test_the_timeline_says_who_decided_and_where_the_record_goes(rec, make_record, as_user, login_as) -> None:
    """Issue 8.6: an intermediate approval read "(Chờ duyệt → Chờ duyệt)"."""
    record_id = make_record(rec.t1, submit=True)
    _decide(as_user, rec.tt_toan, record_id, services.approve_record)()
    page = login_as(rec.t1).get(f"/records/{record_id}").text
    assert "Nộp duyệt phiên bản 1 — chờ Tổ trưởng chuyên môn" in page
    assert "Tổ trưởng chuyên môn đã duyệt — chuyển Ban giám hiệu" in page
    assert "Chờ duyệt → Chờ duyệt" not in page
    assert f'{rec.tt_toan.full_name}</span> <small class="tl-role muted">(Tổ trưởng chuyên môn, Giáo viên)' in page
    _decide(as_user, rec.ht, record_id, services.approve_record)()
    page = login_as(rec.t1).get(f"/records/{record_id}").text
    assert "Ban giám hiệu đã duyệt — hồ sơ hoàn tất và được khoá" in page
    assert "(Hiệu trưởng)" in page
