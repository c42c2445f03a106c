"""Every column a records service changes is in the audit event it writes (issue 7: the
approval set finalized_at/awaiting after the event was built, so its changes missed them)."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.records import services
from app.records.models import Record, RecordVersion


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


# --- every other records service that writes a row ------------------------------------

RECORD_CARRIERS = {"record_type_id": ("changes", "type"), "author_id": ("event", "actor_id")}
VERSION_CARRIERS = {
    "number": ("changes", "version_no"),
    "content_hash": ("event", "file_sha256"),
    "created_by_id": ("event", "actor_id"),
    "note": ("event", "comment"),
}


def _plan_type(rec):  # type: ignore[no-untyped-def]
    from app.records.models import RecordType

    return db.session.get(RecordType, rec.types["ke_hoach_bai_day"])


def _create_full(rec, submit: bool):  # type: ignore[no-untyped-def]
    """create_record with every field a teacher fills in."""
    from datetime import date

    from app.records.uploads import stage_bytes
    from tests.records import samples

    def go(actor):  # type: ignore[no-untyped-def]
        return services.create_record(
            actor,
            _plan_type(rec),
            title="Bài 7: Tích vô hướng",
            files=[stage_bytes("bai-7.pdf", samples.pdf(text="bai 7"))],
            submit=submit,
            class_id=rec.c10a1.id,
            subject_id=rec.toan.id,
            week=7,
            lesson_no=13,
            lesson_date=date(2024, 10, 24),
            notes="Dạy ở phòng máy.",
        ).id

    return go


def _linked(rec, data: bytes, note: str):  # type: ignore[no-untyped-def]
    from tests.records import samples

    def go(actor):  # type: ignore[no-untyped-def]
        return services.submit_linked(
            actor,
            type_code="so_diem",
            class_id=rec.c10a1.id,
            subject_id=rec.toan.id,
            term_id=rec.term1,
            title="Sổ điểm Toán 10A1 — Học kỳ I",
            files=[("so-diem.xlsx", data or samples.xlsx())],
            note=note,
        ).id

    return go


@pytest.mark.parametrize("submit", [False, True], ids=["draft", "submitted"])
def test_create_record_audits_every_column_of_the_record_and_its_version(
    rec, as_user, assert_rows_created_audited, submit: bool
) -> None:
    events = assert_rows_created_audited(
        Record, lambda: as_user(rec.t1, _create_full(rec, submit)), carriers=RECORD_CARRIERS
    )
    created = next(e for e in events if e.action == "record.created")
    assert created.changes["week"] == [None, 7] and created.changes["notes"] == [None, "Dạy ở phòng máy."]
    assert created.changes["department_id"] == [None, rec.dept_toan.id]
    assert [e.action for e in events] == ["record.created"] + (["record.submitted"] if submit else [])
    assert_rows_created_audited(
        RecordVersion, lambda: as_user(rec.t1, _create_full(rec, submit)), parent="record_id", carriers=VERSION_CARRIERS
    )


def test_submit_linked_audits_every_column_it_sets(rec, as_user, assert_rows_created_audited) -> None:
    from tests.records import samples

    note = "Ô trống đã xác nhận: An (vắng có phép)"
    events = assert_rows_created_audited(
        Record, lambda: as_user(rec.t1, _linked(rec, samples.xlsx(), note)), carriers=RECORD_CARRIERS
    )
    created = next(e for e in events if e.action == "record.created")
    assert created.comment == note  # the version's note (the blank cells acknowledged)
    assert created.changes["link_key"][1] and created.changes["term_id"] == [None, rec.term1]


def test_a_linked_resubmission_audits_its_version_and_every_column_it_changes(
    rec, as_user, assert_changes_audited, assert_rows_created_audited
) -> None:
    from tests.records import samples

    record_id = as_user(rec.t1, _linked(rec, samples.xlsx(), "v1"))
    _decide(
        as_user,
        rec.tt_toan,
        record_id,
        lambda a, r, **kw: services.return_record(a, r, comment="Thiếu điểm giữa kỳ.", **kw),
    )()
    resubmit = _linked(rec, samples.xlsx(), "v2: đã bổ sung")
    assert_rows_created_audited(
        RecordVersion, lambda: as_user(rec.t1, resubmit), parent="record_id", carriers=VERSION_CARRIERS
    )
    _decide(
        as_user, rec.tt_toan, record_id, lambda a, r, **kw: services.return_record(a, r, comment="Lần nữa.", **kw)
    )()
    assert_changes_audited(Record, record_id, lambda: as_user(rec.t1, _linked(rec, samples.xlsx(), "v3")))


def _record(record_id: int) -> Record:
    return db.session.get(Record, record_id)


def _update(record_id: int):  # type: ignore[no-untyped-def]
    from datetime import date

    def go(actor):  # type: ignore[no-untyped-def]
        record = _record(record_id)
        return services.update_record(
            actor,
            record,
            seen_version=record.version,
            title="Bài 1 (sửa)",
            week=9,
            lesson_no=17,
            lesson_date=date(2024, 11, 7),
            notes="Thêm phiếu học tập.",
        )

    return go


def _new_version(record_id: int, submit: bool = False):  # type: ignore[no-untyped-def]
    from app.records.uploads import stage_bytes
    from tests.records import samples

    def go(actor):  # type: ignore[no-untyped-def]
        record = _record(record_id)
        keep = [f.id for f in record.current_version.files]
        stored = [stage_bytes("phu-luc.pdf", samples.pdf(text=f"phu luc {record.version}"))]
        return services.add_version(
            actor, record, seen_version=record.version, files=stored, keep_file_ids=keep, note="Bổ sung.", submit=submit
        )

    return go


def _delete(record_id: int):  # type: ignore[no-untyped-def]
    def go(actor):  # type: ignore[no-untyped-def]
        record = _record(record_id)
        services.delete_record(actor, record, seen_version=record.version)

    return go


def _comment(record_id: int):  # type: ignore[no-untyped-def]
    return lambda actor: services.add_comment(actor, _record(record_id), "Em xem lại mục tiêu nhé.")


def _download(record_id: int):  # type: ignore[no-untyped-def]
    def go(actor):  # type: ignore[no-untyped-def]
        record = _record(record_id)
        return services.record_download(actor, record, record.current_version.files[0])

    return go


CHANGES = [
    ("update_record", "t1", _update),
    ("add_version", "t1", _new_version),
    ("add_version_and_submit", "t1", lambda rid: _new_version(rid, submit=True)),
    ("delete_record", "t1", _delete),
    ("add_comment", "tt_toan", _comment),
    ("record_download", "tt_toan", _download),
]


@pytest.mark.parametrize("name,who,build", CHANGES, ids=[c[0] for c in CHANGES])
def test_every_change_to_a_record_is_in_its_audit_event(
    rec, make_record, as_user, assert_changes_audited, name: str, who: str, build
) -> None:  # type: ignore[no-untyped-def]
    record_id = make_record(rec.t1)
    events = assert_changes_audited(Record, record_id, lambda: as_user(getattr(rec, who), build(record_id)))
    assert len([e for e in events if e.action != "record.submitted"]) == 1, name  # one event per change


def test_versions_and_comments_are_in_the_record_s_events(
    rec, make_record, as_user, assert_rows_created_audited
) -> None:
    from app.records.models import RecordComment

    record_id = make_record(rec.t1)
    assert_rows_created_audited(
        RecordVersion, lambda: as_user(rec.t1, _new_version(record_id)), parent="record_id", carriers=VERSION_CARRIERS
    )
    assert_rows_created_audited(
        RecordComment,
        lambda: as_user(rec.tt_toan, _comment(record_id)),
        parent="record_id",
        carriers={"author_id": ("event", "actor_id"), "body": ("event", "comment")},
    )


TYPE_SETTINGS = {
    "name": "Sổ dự giờ",
    "description": "Ghi chép dự giờ đồng nghiệp.",
    "chain": ["to_truong", "hieu_truong"],
    "made_by": "giao_vien",
    "deadline_days_before_lesson": 1,
    "requires_class_subject": True,
    "active": False,
    "sort_order": 70,
}


def test_record_type_services_audit_every_column(
    rec, as_user, assert_rows_created_audited, assert_changes_audited
) -> None:
    from app.records.models import RecordType

    def create(actor):  # type: ignore[no-untyped-def]
        return services.create_type(actor, code="so_du_gio", linked_only=False, **TYPE_SETTINGS).id

    assert_rows_created_audited(RecordType, lambda: as_user(rec.admin, create))
    type_id = rec.types["ke_hoach_bai_day"]
    changed = {**TYPE_SETTINGS, "name": "Kế hoạch bài dạy (mới)", "deadline_days_before_lesson": 3}
    events = assert_changes_audited(
        RecordType,
        type_id,
        lambda: as_user(rec.admin, lambda a: services.update_type(a, db.session.get(RecordType, type_id), **changed)),
    )
    assert [e.action for e in events] == ["record_type.updated"]
