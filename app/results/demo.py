"""Demo closes for `flask seed-demo` (appended to app.cli.DEMO_SEEDERS, after the grade
books, the class books and the lesson plans), so that "Chốt kết quả" and "Báo liên lạc /
Học bạ" have something to show right after `make run`.

6A1 ends HK I of 2024-2025 as a real school does, through the services only (every step
audited, the chain intact):
- every HK I grade book of 6A1 the grade book demo left open or in review is submitted by
  its teacher and approved through the records chain (tổ trưởng → hiệu trưởng); an
  exemption request of the class still waiting is decided by the hiệu trưởng;
- the GVCN's rèn luyện and nhận xét of HK I are app.homeroom.demo's (submit_close checks
  them with the rest of the checklist: a blocker left stops seed-demo with its message);
- gvcn.6a1 publishes October 2024 (its ĐĐGtx columns carry test dates, app.gradebook.demo),
  then submits the HK I close; hieutruong approves it, which writes one snapshot per student.
The other classes stay as the earlier seeders left them (books waiting for the tổ trưởng or
the hiệu trưởng, books not submitted, an exemption waiting), so the checklist and the
hiệu trưởng's list still show every state. No random draw: deterministic.
"""

from __future__ import annotations

import random

from app.accounts.models import User
from app.core.workflow import Action, State
from app.extensions import db
from app.gradebook import locking
from app.gradebook import queries as gradebook_queries
from app.gradebook.services import exemptions, submission
from app.homeroom import queries as homeroom_queries
from app.records import services as records
from app.records.models import Record
from app.results import services
from app.school.demo import DemoSchool
from app.school.models import SchoolClass

CLOSED_CLASS = "6A1"
PUBLISHED_MONTH = "2024-10"
MONTH_NOTE = (
    "Tháng 10 các em học tập nghiêm túc, chuẩn bị tốt cho kiểm tra giữa kỳ. "
    "Kính mong quý phụ huynh nhắc các em ôn bài và đi học đúng giờ."
)
CLOSE_NOTE = "Đã kiểm tra đủ điểm, rèn luyện, nhận xét và chuyên cần học kỳ I."
HINT = f"{CLOSED_CLASS}: HK I đã chốt — thử in báo liên lạc ở menu Báo liên lạc / Học bạ (cả tháng 10/2024)."


def _user(user_id: int | None) -> User:
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise LookupError(f"demo user {user_id} is missing")
    return user


def _reviewer(record: Record, principal: User) -> User:
    """The tổ trưởng for the tổ step (the tổ phó when the tổ trưởng wrote it), else the HT."""
    if record.awaiting == "to_truong" and record.department is not None:
        dept = record.department
        return _user(dept.head_id if dept.head_id != record.author_id else dept.deputy_id)
    return principal


def approve_term_books(demo: DemoSchool, cls: SchoolClass, term_id: int) -> None:
    """Every grade book of `cls` for the term: submitted by its teacher, approved by each
    reviewer of its chain in turn."""
    principal = demo.users["hieutruong"]
    for subject in sorted(demo.subjects.values(), key=lambda s: s.sort_order):
        gb = gradebook_queries.find_gradebook(cls.id, subject.id, term_id)
        found = gradebook_queries.access_for(cls.id, subject.id)
        if gb is None or found is None:
            continue
        review = locking.review_state(gb)
        if review.state in (State.DRAFT, State.RETURNED):
            teacher = _user(found[2].teacher_id)
            submission.submit(teacher, gradebook_queries.get_gradebook_for(teacher, gb.id), acknowledged=True)
        record = locking.review_state(gb).record
        while record is not None and record.state == State.SUBMITTED.value:
            records.approve_record(_reviewer(record, principal), record, seen_version=record.version)


def decide_exemptions(demo: DemoSchool, cls: SchoolClass) -> None:
    ids = [s.id for s in gradebook_queries.class_students(cls.id)]
    for ex in homeroom_queries.exemptions_of_class(ids, cls.year_id):
        if ex.state == State.SUBMITTED.value:
            exemptions.decide_exemption(demo.users["hieutruong"], ex, Action.APPROVE, seen_version=ex.version)


def seed_results(demo: DemoSchool, rng: random.Random) -> None:
    del rng  # nothing random here: the other seeders' draws stay as they are
    cls = next(c for c in demo.classes if c.name == CLOSED_CLASS)
    hk1, _ = gradebook_queries.term_pair_of_year(demo.year.id)
    if hk1 is None:
        raise LookupError("the demo year has a first term")
    gvcn = _user(cls.homeroom_teacher_id)
    approve_term_books(demo, cls, hk1.id)
    decide_exemptions(demo, cls)
    today = locking.today_local()
    services.publish_month(gvcn, cls, PUBLISHED_MONTH, MONTH_NOTE, today)
    record = services.submit_close(gvcn, cls, "hk1", attendance_confirmed=True, note=CLOSE_NOTE)
    services.approve_close(demo.users["hieutruong"], record, seen_version=record.version)
    demo.hints.append(HINT)
    db.session.flush()
