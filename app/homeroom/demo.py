"""Demo class books for `flask seed-demo` (run right after app.gradebook.demo, with the
same random generator; appended to app.cli.DEMO_SEEDERS).

Through the services only (every change audited): rèn luyện and nhận xét GVCN for HK I,
a few buổi nghỉ per student (one student past the 30-buổi warning), one approved and one
pending GDTC practical exemption. Deterministic for a given rng.
"""

from __future__ import annotations

import random
from datetime import timedelta

from app.accounts.models import User
from app.core.workflow import Action
from app.extensions import db
from app.gradebook import queries
from app.gradebook.locking import today_local
from app.gradebook.services import exemptions
from app.gradebook.values import LEVEL_CHOICES
from app.homeroom import services
from app.school.demo import DemoSchool

REMARKS = (
    "Chăm ngoan, lễ phép, tích cực phát biểu xây dựng bài.",
    "Có ý thức học tập tốt; cần mạnh dạn hơn khi trình bày trước lớp.",
    "Hoà đồng với bạn bè; cần tập trung hơn trong giờ học.",
    "Tiến bộ rõ so với đầu năm; cần duy trì thói quen tự học ở nhà.",
    "Thực hiện tốt nội quy lớp; tham gia đầy đủ hoạt động tập thể.",
    "Cần cố gắng hơn ở các môn tự nhiên; đi học đúng giờ hơn.",
)


def _user(user_id: int | None) -> User:
    user = db.session.get(User, user_id) if user_id is not None else None
    if user is None:
        raise LookupError(f"demo user {user_id} is missing")
    return user


def seed_homeroom(demo: DemoSchool, rng: random.Random) -> None:
    hk1, _hk2 = queries.term_pair_of_year(demo.year.id)
    if hk1 is None:
        raise LookupError("the demo year has a first term")
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
            services.set_conduct(gvcn, cls, s.id, hk1, rng.choices(levels, weights)[0], 0)
            services.set_remark(gvcn, cls, s.id, hk1, rng.choice(REMARKS), 0)
            absences = 31 if (n == 7 and i == 5) else min(6, int(rng.expovariate(0.6)))
            for day in sorted(rng.sample(school_days, absences)):
                services.set_attendance(gvcn, cls, s.id, day, "excused" if rng.random() < 0.7 else "unexcused", today)
        if gdtc is not None and cls.name in ("7A1", "9A1"):
            reason = "Gãy xương cẳng tay, bó bột 8 tuần (giấy ra viện)."
            ex = exemptions.request_exemption(gvcn, cls, students[2].id, gdtc, hk1, reason)
            if cls.name == "7A1":
                exemptions.decide_exemption(demo.users["hieutruong"], ex, Action.APPROVE, seen_version=ex.version)
    db.session.flush()
