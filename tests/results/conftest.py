"""Close fixtures: everything entered through the services, as people would — scores in the
grade books, the books submitted and approved through the records chain (tổ trưởng →
hiệu trưởng), rèn luyện and nhận xét, then the close submitted by the GVCN and approved by
the hiệu trưởng."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.gradebook.conftest import audit_head, audit_rows, cell, db_digest, gb  # noqa: F401


def _user(u: Any) -> Any:
    from app.accounts.models import User

    return db.session.get(User, u.id)


def enter(as_user: Any, teacher: Any, gradebook_id: int, cells: Iterable[tuple[int, str, str]]) -> None:
    """Type cells into a grade book: (student id, "tx1" | "gk" | "ck", "7,5" | "Đ")."""
    from app.gradebook import queries
    from app.gradebook.services import entry
    from app.gradebook.values import parse_cell, parse_column

    def run(actor: Any) -> None:
        handle = queries.get_gradebook_for(actor, gradebook_id)
        current = {(s.student_id, s.column): s.version for s in queries.scores_of([gradebook_id])}
        writes = [
            entry.CellWrite(
                sid,
                parse_column(col, 9),
                parse_cell(text, handle.subject.is_comment),
                current.get((sid, col), 0),
            )
            for sid, col, text in cells
        ]
        entry.save_batch(actor, handle, writes, source="import", action="grade.imported", comment="test")

    as_user(teacher, run)


def uniform(student_ids: Iterable[int], value: str, regular: int) -> list[tuple[int, str, str]]:
    """Every assessment of the term at `value` (its average is then `value`)."""
    cols = [f"tx{i}" for i in range(1, regular + 1)] + ["gk", "ck"]
    return [(sid, col, value) for sid in student_ids for col in cols]


def open_book(as_user: Any, teacher: Any, class_id: int, subject_id: int, term_id: int) -> int:
    from app.gradebook import queries
    from app.gradebook.services import entry
    from app.school.models import Term

    def run(actor: Any) -> int:
        found = queries.access_for(class_id, subject_id)
        assert found is not None
        cls, subject, access = found
        return entry.open_gradebook(actor, cls, subject, db.session.get(Term, term_id), access).id

    return as_user(teacher, run)


def submit_book(as_user: Any, teacher: Any, gradebook_id: int) -> None:
    from app.gradebook import queries
    from app.gradebook.services import submission

    as_user(teacher, lambda a: submission.submit(a, queries.get_gradebook_for(a, gradebook_id), acknowledged=True))


def review_book(as_user: Any, reviewer: Any, gradebook_id: int) -> None:
    """One approval step of the grade book's record."""
    from app.gradebook import locking
    from app.gradebook.models import GradeBook
    from app.records import services as records

    def run(actor: Any) -> None:
        record = locking.review_state(db.session.get(GradeBook, gradebook_id)).record
        assert record is not None
        records.approve_record(actor, record, seen_version=record.version)

    as_user(reviewer, run)


def approve_book(as_user: Any, teacher: Any, head: Any, principal: Any, gradebook_id: int) -> None:
    submit_book(as_user, teacher, gradebook_id)
    review_book(as_user, head, gradebook_id)
    review_book(as_user, principal, gradebook_id)


def homeroom_term(
    as_user: Any,
    gvcn: Any,
    class_id: int,
    term_id: int,
    student_ids: Iterable[int],
    levels: Mapping[int, str] | None = None,
    text: str = "Chăm ngoan, lễ phép.",
) -> None:
    from app.homeroom import services
    from app.school.models import SchoolClass, Term

    def run(actor: Any) -> None:
        cls, term = db.session.get(SchoolClass, class_id), db.session.get(Term, term_id)
        for sid in student_ids:
            services.set_conduct(actor, cls, sid, term, (levels or {}).get(sid, "T"), 0)
            services.set_remark(actor, cls, sid, term, text, 0)

    as_user(gvcn, run)


def submit_close(as_user: Any, gvcn: Any, class_id: int, period: str) -> int:
    from app.results import services
    from app.school.models import SchoolClass

    def run(actor: Any) -> int:
        cls = db.session.get(SchoolClass, class_id)
        return services.submit_close(actor, cls, period, attendance_confirmed=True).id

    return as_user(gvcn, run)


def approve_close(as_user: Any, principal: Any, class_id: int, period: str) -> None:
    from app.results import queries, services
    from app.school.models import SchoolClass

    def run(actor: Any) -> None:
        record = queries.close_record_or_404(db.session.get(SchoolClass, class_id), period)
        services.approve_close(actor, record, seen_version=record.version)

    as_user(principal, run)


def snapshots_of(app: Any, class_id: int, period: str, current_only: bool = True) -> list[Any]:
    """[(student_id, version, payload dict, sha256, superseded)] of (class, period)."""
    from app.results.models import ResultSnapshot

    with app.app_context():
        rows = db.session.scalars(
            select(ResultSnapshot)
            .where(ResultSnapshot.class_id == class_id, ResultSnapshot.period == period)
            .order_by(ResultSnapshot.student_id, ResultSnapshot.version)
        ).all()
        out = [
            SimpleNamespace(
                id=r.id,
                student_id=r.student_id,
                version=r.version,
                data=r.data,
                sha256=r.sha256,
                superseded=r.superseded,
                corrections_count=r.corrections_count,
                corrections_subjects=list(r.corrections_subjects),
                payload=r.payload,
            )
            for r in rows
        ]
    return [s for s in out if not s.superseded] if current_only else out


def prepare_hk1(ns: Any, as_user: Any) -> Any:
    """The gb school's 10A1 with HK I complete: every cell entered, both books approved
    (tổ trưởng → hiệu trưởng), rèn luyện and nhận xét set; `ns.close_hk1()` submits and
    approves the close."""
    ids = [s.id for s in ns.students_a1]
    marks = ["8", "6,5", "9", "7", "5,5", "8,5"]
    enter(as_user, ns.t1, ns.toan_a1, [c for i, sid in enumerate(ids) for c in uniform([sid], marks[i % 6], 4)])
    enter(as_user, ns.gv_van, ns.van_a1, [c for i, sid in enumerate(ids) for c in uniform([sid], marks[-1 - i % 6], 4)])
    approve_book(as_user, ns.t1, ns.tt_toan, ns.ht, ns.toan_a1)
    approve_book(as_user, ns.gv_van, ns.tt_van, ns.ht, ns.van_a1)
    homeroom_term(as_user, ns.gvcn, ns.c10a1.id, ns.term1, ids)
    ns.ids = ids

    def close_hk1() -> None:
        submit_close(as_user, ns.gvcn, ns.c10a1.id, "hk1")
        approve_close(as_user, ns.ht, ns.c10a1.id, "hk1")

    ns.close_hk1 = close_hk1
    return ns


@pytest.fixture
def term_ready(gb, as_user):  # type: ignore[no-untyped-def]  # noqa: F811
    """gb (10A1: Toán by t1, Ngữ văn by gv_van; 3 students) with HK I ready to close."""
    return prepare_hk1(gb, as_user)


def decimal(text: str) -> Decimal:
    return Decimal(text)
