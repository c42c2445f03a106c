"""The close of a term: the checklist, the submission through the records chain, the
approval writing one hashed snapshot per student, and what may change afterwards."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.results.conftest import approve_close, snapshots_of, submit_close


def test_approval_writes_exactly_one_snapshot_per_student_and_each_hash_verifies(app, term_ready, audit_rows) -> None:
    from app.results import snapshots
    from app.results.models import ResultSnapshot

    ns = term_ready
    assert snapshots_of(app, ns.c10a1.id, "hk1") == []
    ns.close_hk1()
    snaps = snapshots_of(app, ns.c10a1.id, "hk1")
    assert sorted(s.student_id for s in snaps) == sorted(ns.ids)
    assert all(s.version == 1 and not s.superseded for s in snaps)
    with app.app_context():
        for row in db.session.scalars(select(ResultSnapshot)):
            assert snapshots.verify(row)
            assert row.sha256 == snapshots.digest(row.payload)
    first = next(s for s in snaps if s.student_id == ns.ids[0])
    toan = next(x for x in first.data["subjects"] if x["code"] == "TOAN")
    assert toan["terms"]["hk1"] == {"tx": ["8.0"] * 4, "gk": "8.0", "ck": "8.0", "result": "8.0", "comment": ""}
    assert first.data["names"] == {"gvcn": "Hoàng Văn Chủ Nhiệm", "hieu_truong": "Ngô Văn Hiệu Trưởng"}
    assert first.data["conduct"] == {"hk1": "Tốt"} and first.data["remark"] == "Chăm ngoan, lễ phép."
    assert first.data["close"]["approved_by"] == "Ngô Văn Hiệu Trưởng"
    assert first.data["settings"]["r7_reading"] == "one_step_above_computed"
    assert first.data["rules_version"]
    # canonical: what is stored is the compact, sorted, non-ASCII-escaped form
    assert first.payload == json.dumps(
        json.loads(first.payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert [a[0] for a in audit_rows("result.closed")] == ["result.closed"]
    assert audit_rows("result.closed")[0][3]["snapshots"] == 3


def test_a_tampered_payload_no_longer_verifies(app, term_ready) -> None:
    from app.results import snapshots
    from app.results.models import ResultSnapshot

    term_ready.close_hk1()
    with app.app_context():
        row = db.session.scalars(select(ResultSnapshot)).first()
        db.session.expunge(row)
        row.payload = row.payload.replace("Tốt", "Khá")
        assert not snapshots.verify(row)


def test_changing_a_school_setting_afterwards_changes_no_snapshot(app, term_ready, as_user) -> None:
    from app.gradebook.services import settings

    ns = term_ready
    ns.close_hk1()
    before = [(s.id, s.sha256, s.payload) for s in snapshots_of(app, ns.c10a1.id, "hk1", current_only=False)]
    as_user(
        ns.ht,
        lambda a: settings.save_settings(
            a, adjustment_reading="one_below_reachable", adjustment_counts_comment=False, missed_rule="blank"
        ),
    )
    after = [(s.id, s.sha256, s.payload) for s in snapshots_of(app, ns.c10a1.id, "hk1", current_only=False)]
    assert after == before
    assert all('"r7_reading":"one_step_above_computed"' in p for _, _, p in after)


def test_a_date_locked_but_unapproved_grade_book_blocks_the_close(app, gb, as_user) -> None:
    from datetime import date

    from app.gradebook import locking
    from app.gradebook.services import settings
    from app.results import checklist, services
    from app.school.models import SchoolClass, Term
    from tests.results.conftest import approve_book, enter, homeroom_term, uniform

    ids = [s.id for s in gb.students_a1]
    enter(as_user, gb.t1, gb.toan_a1, uniform(ids, "8", 4))
    enter(as_user, gb.gv_van, gb.van_a1, uniform(ids, "7", 4))
    approve_book(as_user, gb.t1, gb.tt_toan, gb.ht, gb.toan_a1)  # Văn: entered, never submitted
    homeroom_term(as_user, gb.gvcn, gb.c10a1.id, gb.term1, ids)
    as_user(gb.ht, lambda a: settings.set_lock_date(a, db.session.get(Term, gb.term1), date(2025, 1, 20)))

    with app.test_request_context():
        from app.gradebook.models import GradeBook

        van = db.session.get(GradeBook, gb.van_a1)
        assert locking.lock_of(van, db.session.get(Term, gb.term1)).code == "date"  # locked by date …
        found = checklist.build(db.session.get(SchoolClass, gb.c10a1.id), "hk1")
        books = next(i for i in found.items if i.key == "books")
        assert not books.done and not found.complete  # … but not approved: the close is blocked
        assert [b.who for b in books.blockers] == ["Đỗ Thị Văn"]
        assert "Ngữ văn · Học kỳ I: đã qua ngày khoá sổ nhưng chưa nộp duyệt" in books.blockers[0].text
    with pytest.raises(services.CloseError, match="Ngữ văn · Học kỳ I"):
        submit_close(as_user, gb.gvcn, gb.c10a1.id, "hk1")
    assert snapshots_of(app, gb.c10a1.id, "hk1") == []


def test_a_book_waiting_for_the_head_names_the_head_who_must_act(app, gb, as_user) -> None:
    from app.results import checklist
    from app.school.models import SchoolClass
    from tests.results.conftest import enter, submit_book, uniform

    ids = [s.id for s in gb.students_a1]
    enter(as_user, gb.t1, gb.toan_a1, uniform(ids, "8", 4))
    submit_book(as_user, gb.t1, gb.toan_a1)
    with app.test_request_context():
        found = checklist.build(db.session.get(SchoolClass, gb.c10a1.id), "hk1")
        books = next(i for i in found.items if i.key == "books")
        toan = next(b for b in books.blockers if b.text.startswith("Toán"))
        assert toan.who == "Tổ trưởng Vũ Văn Tổ Toán" and "chờ tổ trưởng chuyên môn duyệt" in toan.text
        assert toan.endpoint == "gradebook.grid" and toan.args == {"gradebook_id": gb.toan_a1}
        assert found.percent < 100


def test_a_return_reopens_the_book_and_a_resubmission_can_be_approved(app, term_ready, as_user, audit_rows) -> None:
    from app.homeroom import services as homeroom
    from app.results import queries, services
    from app.school.models import SchoolClass, Term

    ns = term_ready
    submit_close(as_user, ns.gvcn, ns.c10a1.id, "hk1")

    def edit(actor):  # type: ignore[no-untyped-def]
        homeroom.set_conduct(
            actor, db.session.get(SchoolClass, ns.c10a1.id), ns.ids[0], db.session.get(Term, ns.term1), "K", 1
        )

    from app.homeroom.locking import CloseLocked

    with pytest.raises(CloseLocked, match="đang chờ hiệu trưởng duyệt") as refused:
        as_user(ns.gvcn, edit)
    assert refused.value.status == 409

    def back(actor):  # type: ignore[no-untyped-def]
        record = queries.close_record_or_404(db.session.get(SchoolClass, ns.c10a1.id), "hk1")
        services.return_close(
            actor, record, seen_version=record.version, comment="Xem lại rèn luyện của em đầu danh sách."
        )

    as_user(ns.ht, back)
    as_user(ns.gvcn, edit)  # editable again
    submit_close(as_user, ns.gvcn, ns.c10a1.id, "hk1")
    approve_close(as_user, ns.ht, ns.c10a1.id, "hk1")
    snap = next(s for s in snapshots_of(app, ns.c10a1.id, "hk1") if s.student_id == ns.ids[0])
    assert snap.data["conduct"] == {"hk1": "Khá"} and snap.data["close"]["record_version"] == 2
    assert [a[0] for a in audit_rows() if a[0].startswith("record.")][-4:] == [
        "record.returned", "record.version_added", "record.submitted", "record.approved",
    ]  # fmt: skip


def _statements(app, fn) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import event

    count = 0

    def seen(*_args) -> None:  # type: ignore[no-untyped-def]
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return count


def test_the_approval_runs_a_fixed_number_of_statements_whatever_the_class_size(
    app, gb, as_user, make_student, make_user
) -> None:
    from app.school import services as school
    from app.school.models import SchoolClass
    from tests.results.conftest import approve_book, enter, homeroom_term, open_book, prepare_hk1, uniform

    small = prepare_hk1(gb, as_user)  # 10A1: 3 students
    gvcn2 = make_user("gvcn2", full_name="Đinh Thị Chủ Nhiệm Hai")
    with app.app_context():
        school.set_homeroom_teacher(None, db.session.get(SchoolClass, gb.c10a2.id), gvcn2.id)
        db.session.commit()
    big = gb.students_a2 + [make_student(gb.c10a2, f"Lê Thị Thêm{i:02d}") for i in range(12)]  # 15
    ids = [s.id for s in big]
    van_a2 = open_book(as_user, gb.gv_van, gb.c10a2.id, gb.van.id, gb.term1)
    enter(as_user, gb.t2, gb.toan_a2, uniform(ids, "7,5", 4))
    enter(as_user, gb.gv_van, van_a2, uniform(ids, "6", 4))
    approve_book(as_user, gb.t2, gb.tt_toan, gb.ht, gb.toan_a2)
    approve_book(as_user, gb.gv_van, gb.tt_van, gb.ht, van_a2)
    homeroom_term(as_user, gvcn2, gb.c10a2.id, gb.term1, ids)
    counts = {}
    for cls_id, gvcn in ((small.c10a1.id, small.gvcn), (gb.c10a2.id, gvcn2)):
        submit_close(as_user, gvcn, cls_id, "hk1")
        counts[cls_id] = _statements(app, lambda c=cls_id: approve_close(as_user, gb.ht, c, "hk1"))
    assert len(snapshots_of(app, gb.c10a1.id, "hk1")) == 3 and len(snapshots_of(app, gb.c10a2.id, "hk1")) == 15
    assert counts[gb.c10a1.id] == counts[gb.c10a2.id], counts
