"""The review queue a page at a time (issue 13.6: a tổ of a district-sized school has
thousands of waiting records): 50 a page, "Trang x/y", the order decided by the database
(overdue first, then the newest submissions), the 5-second poll keeping its page, bad page
numbers answered, and the statements of one request independent of the queue's length."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from app.core.pagination import Counted
from app.extensions import db
from tests.records import samples

LATE = date(2024, 10, 10)  # its plan was due days before: submitted now, it is overdue


@pytest.fixture
def submit_plans(app, rec, as_user):  # type: ignore[no-untyped-def]
    """submit_plans(n, author=t1, lesson=LATE) → ids of n lesson plans submitted to tổ Toán."""
    from app.records import services, uploads
    from app.records.models import RecordType

    def _submit(n: int, author=None, lesson: date = LATE, start: int = 1, class_id=None) -> list[int]:  # type: ignore[no-untyped-def]
        def go(actor):  # type: ignore[no-untyped-def]
            record_type = db.session.get(RecordType, rec.types["ke_hoach_bai_day"])
            return [
                services.create_record(
                    actor, record_type, title=f"Bài {k:03d}", submit=True, lesson_date=lesson,
                    files=[uploads.stage_bytes("giao-an.pdf", samples.pdf())],
                    class_id=class_id or rec.c10a1.id, subject_id=rec.toan.id,
                ).id
                for k in range(start, start + n)
            ]  # fmt: skip

        return as_user(author or rec.t1, go)

    return _submit


def _row_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="record-(\d+)-queue"', html)]


def test_the_queue_shows_fifty_a_page_with_the_pager_and_every_record_once(rec, submit_plans, login_as) -> None:
    ids = submit_plans(53)
    client = login_as(rec.tt_toan)
    first = client.get("/records/review")
    assert first.status_code == 200
    assert "Chờ bạn duyệt (53)" in first.text and "Trang 1/2" in first.text
    assert len(_row_ids(first.text)) == 50
    assert 'href="/records/review?page=2"' in first.text and "Trang sau ›" in first.text
    assert "‹ Trang trước" not in first.text
    second = client.get("/records/review?page=2")
    assert "Trang 2/2" in second.text and "‹ Trang trước" in second.text and "Trang sau ›" not in second.text
    assert len(_row_ids(second.text)) == 3
    assert sorted(_row_ids(first.text) + _row_ids(second.text)) == sorted(ids)


def test_one_page_of_the_queue_has_no_pager(rec, submit_plans, login_as) -> None:
    submit_plans(2)
    page = login_as(rec.tt_toan).get("/records/review")
    assert "Chờ bạn duyệt (2)" in page.text and len(_row_ids(page.text)) == 2
    assert 'id="queue-pager"' not in page.text


def test_a_queue_longer_than_the_count_cap_says_more_than_and_keeps_its_next_page(
    rec, submit_plans, login_as, monkeypatch
) -> None:
    """A district's BGH has ≈ 28,000 waiting: the queue is counted up to a cap (1,000; 50
    here) — "hơn 50", "Trang 1/hơn 1" with a next page — and, asked for a page beyond the
    cap, up to that page: page 2 of 53 knows the exact count again."""
    from app.records import queries

    monkeypatch.setattr(queries, "QUEUE_COUNT_CAP", 50)
    ids = submit_plans(53)
    client = login_as(rec.tt_toan)
    first = client.get("/records/review")
    assert "Chờ bạn duyệt (hơn 50)" in first.text and "Trang 1/hơn 1" in first.text
    assert len(_row_ids(first.text)) == 50 and 'href="/records/review?page=2"' in first.text
    second = client.get("/records/review?page=2")
    assert "Chờ bạn duyệt (53)" in second.text and "Trang 2/2" in second.text and "Trang sau ›" not in second.text
    assert sorted(_row_ids(first.text) + _row_ids(second.text)) == sorted(ids)
    assert "Không có trang" not in first.text + second.text
    home = client.get("/")
    assert "Hơn 50 hồ sơ chờ bạn duyệt" in home.text


def test_the_capped_count_and_the_pages_of_a_long_queue(app, rec, submit_plans, as_user) -> None:
    """review_page counts up to the cap or the page asked (in whole pages), one row more to
    know whether there are more; the queue's lines are the same as uncapped."""
    from app.records import queries

    submit_plans(7)

    def pages(actor):  # type: ignore[no-untyped-def]
        every = [r.id for r in queries.review_queue(actor)]
        out = []
        for page in (1, 2, 3, 4, 5):
            shown = queries.review_page(actor, page, per_page=2, cap=4)
            w = shown.window
            out.append((w.page, w.pages_label, w.total_label, w.has_next, [r.id for r in shown.records]))
        return every, out, queries.review_queue_size(actor, cap=4), queries.review_queue_size(actor, cap=7)

    every, out, capped, exact = as_user(rec.tt_toan, pages, commit=False)
    assert out == [
        (1, "hơn 2", "hơn 4", True, every[0:2]),
        (2, "hơn 2", "hơn 4", True, every[2:4]),
        (3, "hơn 3", "hơn 6", True, every[4:6]),
        (4, "4", "7", False, every[6:7]),
        (4, "4", "7", False, every[6:7]),  # past the end: the last page (asked 5)
    ]
    assert capped == Counted(4, more=True) and capped.label == "hơn 4"
    assert exact == Counted(7) and exact.label == "7"


def test_the_order_is_overdue_first_then_the_newest_submission_across_pages(app, rec, submit_plans, login_as) -> None:
    """The database orders the whole queue before it is cut into pages: the 3 plans submitted
    on time come after all 50 overdue ones, on page 2, even though they were submitted last."""
    late = submit_plans(50)
    on_time = submit_plans(3, lesson=date.today() + timedelta(days=60), start=100)
    client = login_as(rec.tt_toan)
    first, second = _row_ids(client.get("/records/review").text), _row_ids(client.get("/records/review?page=2").text)
    assert first == sorted(late, reverse=True)  # newest submission first (created in order)
    assert second == sorted(on_time, reverse=True)
    assert 'class="row-late"' not in client.get("/records/review?page=2").text


def test_the_queue_is_what_the_policy_lets_each_reviewer_decide(
    app, rec, submit_plans, as_user, make_assignment
) -> None:
    """The queue is decided in SQL now (no Python filter behind it): it must be exactly the
    submitted records `policy.can_review` allows, for every kind of person."""
    from sqlalchemy import select

    from app.records import policy, queries, services
    from app.records.models import Record

    at_head = submit_plans(2)
    at_bgh = submit_plans(2, start=50)
    make_assignment(rec.tt_toan, rec.c10a2, rec.toan)
    own = submit_plans(1, author=rec.tt_toan, start=90, class_id=rec.c10a2.id)  # never his to decide

    def approve(actor):  # type: ignore[no-untyped-def]
        for record_id in at_bgh:
            record = db.session.get(Record, record_id)
            services.approve_record(actor, record, seen_version=record.version)

    as_user(rec.tt_toan, approve)

    def compare(actor):  # type: ignore[no-untyped-def]
        every = db.session.scalars(select(Record).where(Record.deleted_at.is_(None))).all()
        allowed = {r.id for r in every if policy.can_review(actor, r)}
        shown = [r.id for r in queries.review_queue(actor)]
        paged = [r.id for r in queries.review_page(actor, per_page=2).records]
        return allowed, shown, paged

    for user, expected in (
        (rec.tt_toan, set(at_head)),
        (rec.ht, set(at_bgh) | set(own)),  # the tổ trưởng's own plan skips his step
        (rec.tt_van, set()),
        (rec.t1, set()),
    ):
        allowed, shown, paged = as_user(user, compare, commit=False)
        assert allowed == set(shown), (user.username, allowed, shown)
        assert set(shown) == expected, user.username
        assert len(shown) == len(set(shown)) and paged == shown[:2]
    assert not set(own) & set(as_user(rec.tt_toan, compare, commit=False)[1])


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "9999999"])
def test_a_page_that_is_not_a_number_answers_422_in_vietnamese(rec, submit_plans, login_as, page) -> None:
    submit_plans(1)
    client = login_as(rec.tt_toan)
    full = client.get(f"/records/review?page={page}")
    assert full.status_code == 422 and "Số trang" in full.text and "số nguyên từ 1 trở lên" in full.text
    poll = client.htmx("GET", f"/records/review?page={page}")
    assert poll.status_code == 422 and "<html" not in poll.text and "Số trang" in poll.text


def test_a_page_past_the_end_shows_the_last_page_with_a_sentence(rec, submit_plans, login_as) -> None:
    submit_plans(52)
    client = login_as(rec.tt_toan)
    page = client.get("/records/review?page=9999")
    assert page.status_code == 200 and "Trang 2/2" in page.text and len(_row_ids(page.text)) == 2
    assert "Không có trang 9999: danh sách chỉ có 2 trang, đang hiển thị trang 2." in page.text
    assert "Không có trang" not in client.get("/records/review?page=2").text


def test_the_poll_keeps_the_page_and_the_pager_keeps_the_week(rec, submit_plans, login_as) -> None:
    ids = submit_plans(51)
    client = login_as(rec.tt_toan)
    poll = client.htmx("GET", "/records/review?page=2")
    assert poll.status_code == 200 and "<html" not in poll.text and "Vary" in poll.headers
    assert 'hx-get="/records/review?page=2"' in poll.text  # the next poll asks for page 2 again
    assert _row_ids(poll.text) == [min(ids)] and "Trang 2/2" in poll.text
    first = client.get("/records/review")
    assert 'hx-get="/records/review"' in first.text
    with_week = client.get("/records/review?week=2024-10-07")
    assert 'href="/records/review?page=2&amp;week=2024-10-07"' in with_week.text


def test_an_out_of_scope_reviewer_sees_none_of_the_pages(rec, submit_plans, login_as) -> None:
    submit_plans(51)
    client = login_as(rec.tt_van)
    for url in ("/records/review", "/records/review?page=2"):
        page = client.get(url)
        assert page.status_code == 200 and _row_ids(page.text) == [] and "Chờ bạn duyệt (0)" in page.text
    assert login_as(rec.t1).get("/records/review?page=2").status_code == 403


def _statements(app, client, url: str, htmx: bool = False) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    headers = {"HX-Request": "true"} if htmx else {}
    client.get(url, headers=headers)  # warm: per-process caches
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url, headers=headers).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_the_statements_of_a_queue_page_do_not_grow_with_the_queue(app, rec, submit_plans, login_as) -> None:
    """Counted in SQL, the page's rows and their class, subject, versions and author loaded
    eagerly: one request costs the same for 55 waiting records as for 110, full page and poll."""
    submit_plans(55)
    client = login_as(rec.tt_toan)
    one = [
        _statements(app, client, url, htmx)
        for url in ("/records/review", "/records/review?page=2")
        for htmx in (False, True)
    ]
    submit_plans(55, author=rec.t2, start=200, class_id=rec.c10a2.id)
    two = [
        _statements(app, client, url, htmx)
        for url in ("/records/review", "/records/review?page=2")
        for htmx in (False, True)
    ]
    assert one == two, (one, two)
    # the poll: the user, roles and led tổ; the count; the page's lines (their type, author,
    # class, subject and last version joined in the same statement) — 5, one more when the
    # session's seen time is written (measured 6; 9 before the lines were read as rows)
    assert two[1] <= 6, two
    # the full page adds the tổ's name and its week: the rule (plans per assignment, first
    # due week), the school year, the assignments, the records due, the teachers' names
    # (measured 13; 19 before) — the navigation's own statements included
    assert two[0] <= 13, two


def test_a_reviewer_of_two_steps_does_not_see_what_he_approved_at_the_first(
    app, rec, as_user, make_department, make_subject, make_assignment
) -> None:
    """R14 in SQL: the hiệu trưởng also heads tổ Tin; a plan of that tổ goes tổ trưởng →
    hiệu trưởng. Once he approved its first step, the second (his too) is not his to decide —
    neither in the queue nor in its count — while the plans still at the first step are, one
    submitted after his approval (the "after its last submission" is the record's own)."""
    from app.records import policy, queries, services, uploads
    from app.records.models import Record, RecordType

    tin = make_subject("Tin học", "TIN", make_department("Tin học", head_id=rec.ht.id).id)
    make_assignment(rec.t1, rec.c10a1, tin)

    def two_steps(actor):  # type: ignore[no-untyped-def]
        t = db.session.get(RecordType, rec.types["ke_hoach_bai_day"])
        services.update_type(
            actor, t, name=t.name, description=t.description, chain=["to_truong", "hieu_truong"],
            made_by=t.made_by, deadline_days_before_lesson=t.deadline_days_before_lesson,
            requires_class_subject=t.requires_class_subject, active=t.active, sort_order=t.sort_order,
        )  # fmt: skip

    def plans(actor, ks=(1, 2)):  # type: ignore[no-untyped-def]
        record_type = db.session.get(RecordType, rec.types["ke_hoach_bai_day"])
        return [
            services.create_record(
                actor, record_type, title=f"Tin {k}", submit=True, lesson_date=LATE,
                files=[uploads.stage_bytes("giao-an.pdf", samples.pdf())], class_id=rec.c10a1.id, subject_id=tin.id,
            ).id
            for k in ks
        ]  # fmt: skip

    def approve_first(actor):  # type: ignore[no-untyped-def]
        record = db.session.get(Record, done)
        services.approve_record(actor, record, seen_version=record.version)

    def queue(actor):  # type: ignore[no-untyped-def]
        record = db.session.get(Record, done)
        assert record.awaiting == "hieu_truong" and not policy.can_review(actor, record)
        return [r.id for r in queries.review_queue(actor)], queries.review_queue_size(actor)

    as_user(rec.admin, two_steps)
    done, waiting = as_user(rec.t1, plans)
    as_user(rec.ht, approve_first)
    (later,) = as_user(rec.t1, lambda actor: plans(actor, (3,)))
    assert as_user(rec.ht, queue, commit=False) == ([later, waiting], Counted(2))
