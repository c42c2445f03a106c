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
- rèn luyện and nhận xét GVCN for HK I, a few buổi nghỉ per student (one student past the
  30-buổi warning), one approved and one pending GDTC practical exemption.
The demo year lies in the past, so its term lock dates are cleared: locks then come from
approvals, and BGH can set dates again on "Cài đặt sổ điểm". Deterministic for a given rng.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from app.accounts.models import User
from app.core.workflow import Action
from app.extensions import db
from app.gradebook import locking, queries
from app.gradebook.grid import grid_columns, regular_count
from app.gradebook.services import comments, corrections, entry, homeroom, review, settings
from app.gradebook.values import LEVEL_CHOICES, CellValue, Column

REMARKS = (
    "Chăm ngoan, lễ phép, tích cực phát biểu xây dựng bài.",
    "Có ý thức học tập tốt; cần mạnh dạn hơn khi trình bày trước lớp.",
    "Hoà đồng với bạn bè; cần tập trung hơn trong giờ học.",
    "Tiến bộ rõ so với đầu năm; cần duy trì thói quen tự học ở nhà.",
    "Thực hiện tốt nội quy lớp; tham gia đầy đủ hoạt động tập thể.",
    "Cần cố gắng hơn ở các môn tự nhiên; đi học đúng giờ hơn.",
)
TEACHER_REMARKS = (
    "Nắm vững kiến thức cơ bản.",
    "Cần rèn thêm kỹ năng trình bày.",
    "Tích cực, tiến bộ.",
    "Cần chú ý nghe giảng hơn.",
    "",
)


def _tenth(x: float, step: str) -> Decimal:
    value = max(0.0, min(10.0, x))
    q = Decimal(str(value)) / Decimal(step)
    return (q.quantize(Decimal("1"), rounding=ROUND_HALF_UP) * Decimal(step)).quantize(Decimal("0.1"))


def _user(user_id: int) -> User:
    return db.session.get(User, user_id)  # type: ignore[return-value]


def seed_gradebook(demo: Any, rng: random.Random) -> None:
    from app.records import decisions
    from app.records.services import ensure_default_record_types

    ensure_default_record_types()
    year = demo.year
    hk1, hk2 = queries.term_pair_of_year(year.id)
    for term in (hk1, hk2):
        settings.set_lock_date(None, term, None)
    ability = {}
    handles: dict[tuple[int, str, int], Any] = {}
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
                if term.number == 1:
                    for s in students[:: max(1, len(students) // 6)]:
                        text = rng.choice(TEACHER_REMARKS)
                        if text:
                            comments.save_comment(teacher, handle, s.id, text, 0)
    _review_first_term(demo, rng, handles, decisions)
    _homeroom(demo, rng, hk1)
    db.session.flush()


def _cell(rng: random.Random, subject: Any, ability: float, difficulty: float, col: Column) -> CellValue:
    if subject.is_comment:  # Chưa đạt is rare, and mostly for weak students
        fail = col.kind != "tx" and (ability < 4.5 and rng.random() < 0.25 or rng.random() < 0.004)
        return CellValue(comment="CD" if fail else "D")
    if col.kind == "tx":
        return CellValue(value=_tenth(rng.gauss(ability + difficulty + 0.3, 0.8), "0.5"))
    return CellValue(value=_tenth(rng.gauss(ability + difficulty, 0.9), "0.1"))


def _review_first_term(demo: Any, rng: random.Random, handles: dict, decisions: Any) -> None:
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
        review.submit(teacher, handle, acknowledged=True, note=None)
        steps = 2 if fate < 0.6 else (1 if fate < 0.72 else 0)
        for _ in range(steps):
            record = locking.review_state(handle.gradebook).record
            if record.state != "submitted" or (steps == 1 and record.step + 1 >= len(record.chain)):
                break  # chain shorter than planned (the teacher is the tổ trưởng): stay in review
            actor = _reviewer(record, principal)
            decisions.approve_record(actor, record, seen_version=record.version, comment=None)
    book = handles[(by_name["6A1"].id, "TOAN", 1)]
    students = queries.class_students(by_name["6A1"].id)
    current = entry.current_cell(book.id, students[3].id, Column("gk", 1))
    new_value = min(Decimal("10.0"), (current.value if current else Decimal("5")) + Decimal("1.0"))
    corrections.request_correction(
        gv_toan,
        book,
        students[3].id,
        Column("gk", 1),
        CellValue(value=new_value),
        "Cộng sót điểm câu 4 bài kiểm tra giữa kỳ (đã chấm lại).",
    )


def _reviewer(record: Any, principal: User) -> User:
    if record.awaiting == "to_truong" and record.department is not None:
        dept = record.department
        head = dept.head_id if dept.head_id != record.author_id else dept.deputy_id
        return _user(head)
    return principal


def _homeroom(demo: Any, rng: random.Random, hk1: Any) -> None:
    from app.gradebook.locking import today_local

    weights = [55, 32, 10, 3]
    levels = [code for code, _ in LEVEL_CHOICES]
    days = [hk1.start_date + timedelta(days=i) for i in range((hk1.end_date - hk1.start_date).days)]
    school_days = [d for d in days if d.weekday() < 6]
    today = max(today_local(), hk1.end_date)
    gdtc = demo.subjects.get("GDTC")
    for n, cls in enumerate(sorted(demo.classes, key=lambda c: c.name)):
        gvcn = _user(cls.homeroom_teacher_id)
        students = queries.class_students(cls.id)
        for i, s in enumerate(students):
            homeroom.set_conduct(gvcn, cls, s.id, hk1, rng.choices(levels, weights)[0], 0)
            homeroom.set_remark(gvcn, cls, s.id, hk1, rng.choice(REMARKS), 0)
            absences = 31 if (n == 7 and i == 5) else min(6, int(rng.expovariate(0.6)))
            for day in sorted(rng.sample(school_days, absences)):
                homeroom.set_attendance(gvcn, cls, s.id, day, "excused" if rng.random() < 0.7 else "unexcused", today)
        if gdtc is not None and cls.name in ("7A1", "9A1"):
            ex = homeroom.request_exemption(
                gvcn,
                cls,
                students[2].id,
                gdtc,
                hk1,
                "Gãy xương cẳng tay, bó bột 8 tuần (giấy ra viện).",
                None,
            )
            if cls.name == "7A1":
                homeroom.decide_exemption(demo.users["hieutruong"], ex, Action.APPROVE, seen_version=ex.version)
