"""Demo grade books for `flask seed-demo` (appended to app.cli.DEMO_SEEDERS).

Through the services only (every change audited, one summary event per grade book):
- every (class, subject) gets its HK I and HK II grade book, opened by its teacher;
- HK I is complete, with a realistic spread (each student an ability, each subject a
  difficulty, each test some noise; ĐĐGtx in half points, periodic tests to one decimal;
  comment subjects mostly Đ); HK II has its first two ĐĐGtx, and ĐĐGgk in half the classes;
- HK I books go through the records approval chain: most approved (tổ trưởng → hiệu
  trưởng), some waiting for the tổ trưởng or the hiệu trưởng, some not submitted yet;
  gv.toan keeps an approved 6A1 book (with a correction request waiting for the GVCN) and
  an open 6A2 book;
- the GVCN's class book (rèn luyện, nhận xét, buổi nghỉ, exemptions) is app.homeroom.demo's,
  run right after this seeder with the same random generator;
- 6A1's HK I ĐĐGtx columns carry their test dates (one a month, September to December),
  so its monthly reports (app.results.demo publishes October) show the scores of the month
  although the demo types them all today. No random draw: the other classes are unchanged.
The demo year lies in the past, so its term lock dates are cleared: locks then come from
approvals, and BGH can set dates again on "Cài đặt sổ điểm". Deterministic for a given rng.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.accounts.models import User
from app.extensions import db
from app.gradebook import locking, queries
from app.gradebook.queries import GridHandle
from app.gradebook.services import comments, corrections, entry, settings, submission, test_dates
from app.gradebook.values import CellValue, Column, grid_columns, regular_count
from app.records import services as records
from app.records.models import Record
from app.records.services import ensure_default_record_types
from app.school.demo import DemoSchool
from app.school.models import Subject

TEACHER_REMARKS = (
    "Nắm vững kiến thức cơ bản.",
    "Cần rèn thêm kỹ năng trình bày.",
    "Tích cực, tiến bộ.",
    "Cần chú ý nghe giảng hơn.",
    "",
)
#: the class whose ĐĐGtx columns of HK I are dated (its months are published by app.results.demo)
DATED_CLASS = "6A1"
#: the day of the ĐĐGtx test n of HK I (a Friday of September, October, November, December 2024)
TX_TEST_DAYS = (date(2024, 9, 27), date(2024, 10, 18), date(2024, 11, 22), date(2024, 12, 13))


def _tenth(x: float, step: str) -> Decimal:
    value = max(0.0, min(10.0, x))
    q = Decimal(str(value)) / Decimal(step)
    return (q.quantize(Decimal("1"), rounding=ROUND_HALF_UP) * Decimal(step)).quantize(Decimal("0.1"))


def _user(user_id: int | None) -> User:
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise LookupError(f"demo user {user_id} is missing")
    return user


def seed_gradebook(demo: DemoSchool, rng: random.Random) -> None:
    ensure_default_record_types()
    year = demo.year
    hk1, hk2 = queries.term_pair_of_year(year.id)
    if hk1 is None or hk2 is None:
        raise LookupError("the demo year has two terms")
    for term in (hk1, hk2):
        settings.set_lock_date(None, term, None)
    ability = {}
    handles: dict[tuple[int, str, int], GridHandle] = {}
    for n, cls in enumerate(sorted(demo.classes, key=lambda c: c.name)):
        students = queries.class_students(cls.id)
        for s in students:
            ability[s.id] = max(3.5, min(9.8, rng.gauss(7.2, 1.1)))
        for code, subject in sorted(demo.subjects.items()):
            found = queries.access_for(cls.id, subject.id)
            if found is None or found[2].teacher_id is None:
                continue
            _, _, access = found
            teacher = _user(access.teacher_id)
            difficulty = rng.gauss(0, 0.35)
            for term in (hk1, hk2):
                gb = entry.open_gradebook(teacher, cls, subject, term, access)
                handle = queries.get_gradebook_for(teacher, gb.id)
                handles[(cls.id, code, term.number)] = handle
                cols = grid_columns(regular_count(subject, cls.grade_level))
                if term.number == 2:
                    cols = [c for c in cols if c.key in ("tx1", "tx2")] + (
                        [Column("gk", 1)] if n % 2 == 0 else []
                    )  # ĐĐGgk done in half the classes
                writes = [
                    entry.CellWrite(s.id, col, _cell(rng, subject, ability[s.id], difficulty, col), 0)
                    for s in students
                    for col in cols
                ]
                entry.save_batch(
                    teacher,
                    handle,
                    writes,
                    source="import",
                    action="grade.imported",
                    comment="Dữ liệu mẫu (flask seed-demo)",
                )
                if term.number == 1 and cls.name == DATED_CLASS:
                    for col, day in zip((c for c in cols if c.kind == "tx"), TX_TEST_DAYS, strict=False):
                        test_dates.set_tx_date(teacher, handle, col, day)
                if term.number == 1:
                    for s in students[:: max(1, len(students) // 6)]:
                        text = rng.choice(TEACHER_REMARKS)
                        if text:
                            comments.save_comment(teacher, handle, s.id, text, 0)
    _review_first_term(demo, rng, handles)
    db.session.flush()


def _cell(rng: random.Random, subject: Subject, ability: float, difficulty: float, col: Column) -> CellValue:
    if subject.is_comment:  # Chưa đạt is rare, and mostly for weak students
        fail = col.kind != "tx" and (ability < 4.5 and rng.random() < 0.25 or rng.random() < 0.004)
        return CellValue(comment="CD" if fail else "D")
    if col.kind == "tx":
        return CellValue(value=_tenth(rng.gauss(ability + difficulty + 0.3, 0.8), "0.5"))
    return CellValue(value=_tenth(rng.gauss(ability + difficulty, 0.9), "0.1"))


def _review_first_term(demo: DemoSchool, rng: random.Random, handles: dict[tuple[int, str, int], GridHandle]) -> None:
    principal = demo.users["hieutruong"]
    gv_toan = demo.users["gv.toan"]
    by_name = {c.name: c for c in demo.classes}
    for (class_id, code, term_no), handle in sorted(handles.items()):
        if term_no != 1:
            continue
        teacher = _user(handle.access.teacher_id)
        fate = rng.random()
        if teacher.id == gv_toan.id and code == "TOAN":
            fate = 0.0 if class_id == by_name["6A1"].id else 0.99  # approved / left open
        if fate > 0.85:
            continue  # not submitted yet
        submission.submit(teacher, handle, acknowledged=True, note=None)
        steps = 2 if fate < 0.6 else (1 if fate < 0.72 else 0)
        for _ in range(steps):
            record = locking.review_state(handle.gradebook).record
            if record is None:
                break
            if record.state != "submitted" or (steps == 1 and record.step + 1 >= len(record.chain or [])):
                break  # chain shorter than planned (the teacher is the tổ trưởng): stay in review
            actor = _reviewer(record, principal)
            records.approve_record(actor, record, seen_version=record.version, comment=None)
    book = handles[(by_name["6A1"].id, "TOAN", 1)]
    students = queries.class_students(by_name["6A1"].id)
    current = entry.current_cell(book.id, students[3].id, Column("gk", 1))
    old_value = current.value if current and current.value is not None else Decimal("5")
    new_value = min(Decimal("10.0"), old_value + Decimal("1.0"))
    corrections.request_correction(
        gv_toan,
        book,
        students[3].id,
        Column("gk", 1),
        CellValue(value=new_value),
        "Cộng sót điểm câu 4 bài kiểm tra giữa kỳ (đã chấm lại).",
    )


def _reviewer(record: Record, principal: User) -> User:
    if record.awaiting == "to_truong" and record.department is not None:
        dept = record.department
        head = dept.head_id if dept.head_id != record.author_id else dept.deputy_id
        return _user(head)
    return principal
