"""At district size the hiệu trưởng's home must not grow with the school (issue 13.6): its
review queue is a SQL count, its classes a page of rows; the statements of one request are
the same for one school's worth of records and classes as for two."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from sqlalchemy import event

from app.core.pagination import Counted
from app.extensions import db


@contextmanager
def _statements(app):  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _waiting_for_bgh(app, as_user, s, n: int, start: int) -> None:  # type: ignore[no-untyped-def]
    """n lesson plans by t1, approved by the tổ trưởng: each waits for the BGH."""
    from app.records import services, uploads
    from app.records.models import Record, RecordType
    from tests.records import samples

    with app.app_context():
        type_id = next(t.id for t in services.ensure_default_record_types() if t.code == "ke_hoach_bai_day")
        db.session.commit()

    def write(actor):  # type: ignore[no-untyped-def]
        ids = []
        for k in range(start, start + n):
            files = [uploads.stage_bytes("giao-an.pdf", samples.pdf())]
            ids.append(
                services.create_record(
                    actor, db.session.get(RecordType, type_id), title=f"Bài {k}", files=files, submit=True,
                    class_id=s.c10a1.id, subject_id=s.toan.id, lesson_date=date(2024, 11, 20),
                ).id
            )  # fmt: skip
        return ids

    ids = as_user(s.t1, write)

    def approve(actor):  # type: ignore[no-untyped-def]
        for record_id in ids:
            record = db.session.get(Record, record_id)
            services.approve_record(actor, record, seen_version=record.version)

    as_user(s.tt_toan, approve)


def _more_classes(app, s, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    from app.school import services as school
    from app.school.models import SchoolYear

    with app.app_context():
        year = db.session.get(SchoolYear, s.year.id)
        for name in names:
            school.create_class(None, year, name, int(name[:2]), s.gvcn.id)
        db.session.commit()


def _home_statements(app, login_as, user) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    client = login_as(user)
    client.get("/")  # warm: per-process caches
    with _statements(app) as seen:
        page = client.get("/").text
    return len(seen), page


def test_principal_home_counts_the_queue_and_does_not_grow_with_the_school(
    app, as_user, login_as, school_fixture
) -> None:
    s = school_fixture
    _waiting_for_bgh(app, as_user, s, 3, 1)
    _more_classes(app, s, [f"11A{k}" for k in range(1, 30)])
    one, page = _home_statements(app, login_as, s.ht)
    assert "3 hồ sơ chờ bạn duyệt" in page
    assert "Các lớp trong phạm vi của bạn (31)" in page and "Xem tất cả 31 lớp" in page
    assert page.count('href="/school/classes/') == 24  # the home shows a page; the list has all

    _waiting_for_bgh(app, as_user, s, 3, 100)  # a second school's worth
    _more_classes(app, s, [f"12A{k}" for k in range(1, 32)])
    two, page = _home_statements(app, login_as, s.ht)
    assert "6 hồ sơ chờ bạn duyệt" in page and "Các lớp trong phạm vi của bạn (62)" in page
    assert two == one


def test_the_queue_count_is_the_length_of_the_queue_for_every_reviewer(app, as_user, school_fixture) -> None:
    from app.records import queries

    s = school_fixture
    _waiting_for_bgh(app, as_user, s, 2, 1)
    from app.records import services, uploads
    from app.records.models import RecordType
    from tests.records import samples

    def plan(actor):  # type: ignore[no-untyped-def]  # one more, still at the tổ trưởng
        record_type = db.session.scalar(db.select(RecordType).where(RecordType.code == "ke_hoach_bai_day"))
        files = [uploads.stage_bytes("giao-an.pdf", samples.pdf())]
        services.create_record(
            actor, record_type, title="Bài 9", files=files, submit=True,
            class_id=s.c10a1.id, subject_id=s.toan.id, lesson_date=date(2024, 11, 20),
        )  # fmt: skip

    as_user(s.t1, plan)
    sizes = {}

    def both(actor):  # type: ignore[no-untyped-def]
        return queries.review_queue_size(actor), len(queries.review_queue(actor))

    for user in (s.ht, s.tt_toan, s.tt_van, s.t1, s.admin):
        sizes[user.username] = as_user(user, both, commit=False)
    assert sizes["ht"] == (Counted(2), 2)
    assert sizes["tttoan"] == (Counted(1), 1)
    assert sizes["ttvan"] == (Counted(0), 0)  # another tổ's records are not hers to review
    assert sizes["t1"] == (None, 0) and sizes["admin"] == (None, 0)
