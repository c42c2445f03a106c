"""`flask seed-demo` ends HK I of 6A1 (app.results.demo): its grade books approved through
the records chain, the close submitted by gvcn.6a1 and approved by hieutruong (one
verified snapshot per student), October 2024 published; the other classes are left in
their states, and the audit chain verifies."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db

PASSWORD = "Demo@2024-2025"


def test_seed_demo_closes_hk1_of_6a1_and_publishes_october(demo_school) -> None:
    app, output = demo_school
    assert "6A1: HK I đã chốt — thử in báo liên lạc ở menu Báo liên lạc / Học bạ" in output
    from app.accounts.models import User
    from app.core.workflow import State
    from app.gradebook import locking
    from app.gradebook.models import GradeBook
    from app.records.models import Record
    from app.records.services import KET_QUA_LOP
    from app.results import checklist, queries, snapshots
    from app.school.models import SchoolClass

    with app.app_context():
        classes = {c.name: c for c in db.session.scalars(select(SchoolClass))}
        cls = classes["6A1"]
        users = {u.username: u for u in db.session.scalars(select(User))}
        student_ids = {e.student_id for e in cls.enrollments if e.end_date is None}

        books = db.session.scalars(
            select(GradeBook).where(GradeBook.class_id == cls.id, GradeBook.term.has(number=1))
        ).all()
        assert len(books) == 13
        for gb in books:  # teacher → tổ trưởng → hiệu trưởng, each by the right person
            record = locking.review_state(gb).record
            assert record is not None and record.state == State.APPROVED.value, gb.subject.name
            approvals = [d for d in record.decisions if d.action == "approve"]
            assert [d.step_kind for d in approvals] == list(record.chain or [])
            assert not [d for d in record.decisions if d.action == "return"]
            assert approvals[-1].actor_id == users["hieutruong"].id
            dept = record.department
            for d in approvals:
                if d.step_kind == "to_truong":
                    assert d.actor_id in (dept.head_id, dept.deputy_id) and d.actor_id != record.author_id
        assert sum(1 for gb in books if gb.tx_dates) == 13
        assert {gb.tx_dates.get("2") for gb in books} == {"2024-10-18"}

        closes = db.session.scalars(
            select(Record).where(Record.class_id == cls.id, Record.record_type.has(code=KET_QUA_LOP))
        ).all()
        assert len(closes) == 1
        close = closes[0]
        assert close.state == State.APPROVED.value and queries.period_of(close) == "hk1"
        assert close.author_id == users["gvcn.6a1"].id
        assert close.decisions[-1].actor_id == users["hieutruong"].id
        term_snaps = queries.current_snapshots(cls.id, "hk1")
        assert len(term_snaps) == len(student_ids) == queries.snapshot_count(cls.id, "hk1")
        assert {s.student_id for s in term_snaps} == student_ids
        assert all(snapshots.verify(s) and s.record_id == close.id for s in term_snaps)
        assert all(json.loads(s.payload)["conduct"] and json.loads(s.payload)["remark"] for s in term_snaps)

        october = queries.current_month_snapshots(cls.id, "2024-10")
        assert {s.student_id for s in october} == student_ids
        assert all(snapshots.verify(s) for s in october)
        toan = next(
            sub for sub in json.loads(october[0].payload)["subjects"] if sub["code"] == "TOAN"
        )  # the September and October tests, not November's
        tx = toan["terms"]["hk1"]["tx"]
        assert tx[0] is not None and tx[1] is not None and tx[2] is None
        assert queries.month_rounds(cls.id, "2024-11") == []

        others = [c for name, c in sorted(classes.items()) if name != "6A1"]
        assert all(queries.close_states(c)["hk1"] is State.DRAFT for c in others)
        assert all(queries.snapshot_count(c.id, "hk1") == 0 for c in others)
        texts = [b.text for c in (classes["6A2"], classes["9A1"]) for b in checklist.build(c, "hk1").blockers()]
        assert any("chờ" in t and "duyệt" in t for t in texts)  # books waiting for a reviewer
        assert any("chưa nộp duyệt" in t for t in texts)  # gv.toan's open 6A2 book
        assert any("miễn thực hành chờ quyết định" in t for t in texts)  # 9A1's exemption
        class_id = cls.id
        first = min(term_snaps, key=lambda s: s.id).student.full_name

    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output

    client = app.test_client()
    assert client.post("/login", data={"username": "gvcn.6a1", "password": PASSWORD}).status_code == 303
    page = client.get(f"/reports/classes/{class_id}?period=hk1")
    assert page.status_code == 200
    assert "Học kỳ I" in page.text and "Tháng 10/2024" in page.text
    assert first in page.text and page.text.count("Xem trước") >= len(student_ids)
