"""Closing the whole demo school's HK I (12 classes, ~480 students): the time and the number
of SQL statements of each class's approval — the snapshot writing — and of its submission.
The statement count per class must not grow with the number of students.

Run: .venv/bin/python bench/close_school.py   (SQLite, or BENCH_DATABASE_URL)
Writes bench/results/close.json.

Preparation (not measured): every HK I grade book the demo left in draft or in review is
submitted and approved through the records chain, and the pending exemption is decided;
the demo already has every student's rèn luyện and nhận xét of HK I.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import demo_app, save  # noqa: E402


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *_args: object) -> None:
        self.n += 1


def _prepare(app) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from app.accounts.models import User
    from app.core.workflow import Action
    from app.extensions import db
    from app.gradebook import locking, queries
    from app.gradebook.models import Exemption, GradeBook
    from app.gradebook.services import exemptions, submission
    from app.records import services as records
    from app.school.models import Term

    with app.test_request_context("/", method="POST"):
        principal = db.session.scalars(select(User).where(User.username == "hieutruong")).one()
        hk1 = db.session.scalars(select(Term).where(Term.number == 1)).one()
        for gb in db.session.scalars(select(GradeBook).where(GradeBook.term_id == hk1.id)).all():
            review = locking.review_state(gb)
            if review.state.value in ("draft", "returned"):
                teacher = db.session.get(User, queries.access_for(gb.class_id, gb.subject_id)[2].teacher_id)
                submission.submit(teacher, queries.get_gradebook_for(teacher, gb.id), acknowledged=True)
            record = locking.review_state(gb).record
            while record is not None and record.state == "submitted":
                reviewer = principal
                if record.awaiting == "to_truong" and record.department is not None:
                    dept = record.department
                    reviewer = db.session.get(
                        User, dept.head_id if dept.head_id != record.author_id else dept.deputy_id
                    )
                records.approve_record(reviewer, record, seen_version=record.version)
        for ex in db.session.scalars(select(Exemption).where(Exemption.state == "submitted")).all():
            exemptions.decide_exemption(principal, ex, Action.APPROVE, seen_version=ex.version)
        db.session.commit()


def class_ids(app) -> list[int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from app.extensions import db
    from app.school.models import SchoolClass

    with app.app_context():
        return [c.id for c in db.session.scalars(select(SchoolClass).order_by(SchoolClass.name))]


def close_class(app, class_id: int, period: str = "hk1") -> dict[str, object]:  # type: ignore[no-untyped-def]
    """The GVCN submits the class's close of `period`, the hiệu trưởng approves it (snapshots
    written): the time and SQL statements of each step."""
    from sqlalchemy import event, select

    from app.accounts.models import User
    from app.extensions import db
    from app.results import queries, services
    from app.school.models import SchoolClass

    with app.app_context():
        engine = db.engine
    figures: dict[str, object] = {}
    for step in ("submit", "approve"):
        counter = Counter()
        with app.test_request_context("/", method="POST"):
            cls = db.session.get(SchoolClass, class_id)
            actor = db.session.get(User, cls.homeroom_teacher_id)
            if step == "approve":
                actor = db.session.scalars(select(User).where(User.username == "hieutruong")).one()
            record = queries.close_record(cls, period)
            event.listen(engine, "before_cursor_execute", counter)
            start = time.perf_counter()
            if step == "submit":
                services.submit_close(actor, cls, period, attendance_confirmed=True)
            else:
                assert record is not None
                services.approve_close(actor, record, seen_version=record.version)
            db.session.commit()
            elapsed = (time.perf_counter() - start) * 1000
            event.remove(engine, "before_cursor_execute", counter)
            figures["class"], figures["students"] = cls.name, len(cls.enrollments)
            figures[f"{step}_ms"], figures[f"{step}_queries"] = round(elapsed, 1), counter.n
            if step == "approve":
                figures["snapshots"] = queries.snapshot_count(cls.id, period)
    return figures


def open_class_ids(app) -> list[int]:  # type: ignore[no-untyped-def]
    """The classes whose HK I is not closed yet (the demo closes 6A1's itself)."""
    from app.extensions import db
    from app.results import queries
    from app.school.models import SchoolClass

    with app.app_context():
        return [i for i in class_ids(app) if queries.close_record(db.session.get(SchoolClass, i), "hk1") is None]


def main() -> None:
    app = demo_app()
    _prepare(app)
    rows = []
    total = 0.0
    for class_id in open_class_ids(app):
        figures = close_class(app, class_id)
        total += float(figures["approve_ms"])  # type: ignore[arg-type]
        rows.append(figures)
        print(
            f"{figures['class']:<5} {figures['students']:>3} HS   nộp {figures['submit_ms']:>7.1f} ms "
            f"({figures['submit_queries']:>3} truy vấn)   duyệt + ghi {figures['snapshots']} bản "
            f"{figures['approve_ms']:>7.1f} ms ({figures['approve_queries']:>3} truy vấn)"
        )
    students = sum(int(r["students"]) for r in rows)  # type: ignore[call-overload]
    counts = sorted({r["approve_queries"] for r in rows})  # type: ignore[type-var]
    print(f"Toàn trường: {len(rows)} lớp, {students} học sinh, duyệt và ghi bản lưu trong {total / 1000:.2f} s")
    print(f"Số truy vấn khi duyệt một lớp: {counts} (không phụ thuộc sĩ số)")
    save(
        "close",
        [
            *rows,
            {
                "label": "total",
                "classes": len(rows),
                "students": students,
                "approve_s": round(total / 1000, 2),
                "approve_queries_per_class": counts,
            },
        ],
    )


if __name__ == "__main__":
    main()
