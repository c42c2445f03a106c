"""Demo professional records for `flask seed-demo` (appended to app.cli.DEMO_SEEDERS).

Through the services only, so every step is in the audit chain with its real time. The
lesson dates are placed around *today* (the moment of seeding), not in the demo school
year, because submissions are stamped with the real time and the dashboards look at the
current week: plans for the coming days are submitted on time and reach every state
(draft, waiting for the tổ trưởng, waiting for the BGH, returned with a reason,
approved); a few plans whose lesson has passed are overdue drafts or were submitted late.
gv.toan gets one plan of each kind and totruong.toan a biên bản sinh hoạt tổ waiting for
the hiệu trưởng. Files are small generated DOCX/PDF documents. Deterministic for a
given rng, apart from the dates.
"""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date, timedelta
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from app.accounts.models import User
from app.extensions import db
from app.records import dashboards, queries, services
from app.records.models import Record, RecordType
from app.records.uploads import stage_bytes
from app.school.models import Department
from app.school.queries import assignments_of

if TYPE_CHECKING:
    from app.school.demo import DemoSchool
    from app.school.models import TeachingAssignment

RETURN_REASONS = (
    "Phần vận dụng chưa gắn với thực tế địa phương; bổ sung một ví dụ.",
    "Mục tiêu năng lực chưa cụ thể, cần viết theo hướng đo được.",
    "Thiếu phiếu học tập cho hoạt động luyện tập.",
    "Thời lượng hoạt động hình thành kiến thức quá dài so với tiết 45 phút.",
)
LESSONS = (
    "Ôn tập chương",
    "Luyện tập",
    "Bài đọc hiểu",
    "Thực hành",
    "Hình thành kiến thức mới",
    "Kiểm tra giữa kỳ",
    "Dự án học tập",
)


def plan_docx(title: str, subject: str, class_name: str) -> bytes:
    """A small, valid Word document laid out like Phụ lục IV (kế hoạch bài dạy)."""
    paragraphs = [
        "KẾ HOẠCH BÀI DẠY",
        title,
        f"Môn: {subject} — Lớp: {class_name}",
        "I. Mục tiêu: kiến thức, năng lực, phẩm chất.",
        "II. Thiết bị dạy học và học liệu: máy chiếu, phiếu học tập.",
        "III. Tiến trình dạy học:",
        "1. Hoạt động mở đầu",
        "2. Hoạt động hình thành kiến thức mới",
        "3. Hoạt động luyện tập",
        "4. Hoạt động vận dụng",
    ]
    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    ns = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(
            "[Content_Types].xml",
            (
                '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
                '/package/2006/content-types"><Default Extension="rels" ContentType="application/'
                'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                'ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType='
                '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                "</Types>"
            ),
        )
        zf.writestr(
            "_rels/.rels",
            (
                '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
                'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                'Target="word/document.xml"/></Relationships>'
            ),
        )
        zf.writestr(
            "word/document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="{ns}"><w:body>{body}</w:body></w:document>',
        )
    return buf.getvalue()


def _reviewers(record: Record) -> tuple[User | None, User | None]:
    """(someone for the tổ step, someone for the BGH step), never the author."""
    from sqlalchemy import select

    from app.accounts.models import UserRole

    dept = db.session.get(Department, record.department_id) if record.department_id else None
    head_ids = [i for i in ((dept.head_id, dept.deputy_id) if dept else ()) if i and i != record.author_id]
    bgh_ids = db.session.scalars(
        select(UserRole.user_id).where(UserRole.role.in_(("hieu_truong", "pho_hieu_truong"))).order_by(UserRole.user_id)
    ).all()
    bgh = [i for i in bgh_ids if i != record.author_id]
    return (db.session.get(User, head_ids[0]) if head_ids else None, db.session.get(User, bgh[0]) if bgh else None)


def _drive(record: Record, outcome: str, rng: random.Random) -> None:
    """Move a freshly created record to `outcome` through the real workflow."""
    author = record.author
    if outcome == "draft":
        return
    services.submit_record(author, record, seen_version=record.version)
    head, bgh = _reviewers(record)
    if outcome == "returned" and head is not None:
        services.return_record(head, record, seen_version=record.version, comment=rng.choice(RETURN_REASONS))
        return
    for step_kind in list(record.chain or []):
        if outcome == "submitted" or (outcome == "head_approved" and step_kind != "to_truong"):
            return
        reviewer = head if step_kind == "to_truong" else bgh
        if reviewer is None:
            return
        services.approve_record(
            reviewer, record, seen_version=record.version, comment="Đồng ý." if rng.random() < 0.3 else None
        )


def _plan(author: User, record_type: RecordType, assignment: TeachingAssignment, lesson: date, n: int) -> Record:
    subject, school_class = assignment.subject, assignment.school_class
    title = f"Tiết {n}: {LESSONS[n % len(LESSONS)]} — {subject.name} {school_class.name}"
    stored = [
        stage_bytes(
            f"KHBD {subject.name} {school_class.name} tiet {n}.docx", plan_docx(title, subject.name, school_class.name)
        )
    ]
    week = max(1, min(52, (lesson - date(lesson.year if lesson.month >= 9 else lesson.year - 1, 9, 5)).days // 7 + 1))
    return services.create_record(
        author,
        record_type,
        title=title,
        files=stored,
        class_id=school_class.id,
        subject_id=subject.id,
        lesson_date=lesson,
        lesson_no=n,
        week=week,
    )


def seed_records(demo: DemoSchool, rng: random.Random) -> None:
    """Lesson plans in every state around today, a returned one, overdue ones, a biên bản."""
    plan_type = {t.code: t for t in services.ensure_default_record_types()}[services.KE_HOACH_BAI_DAY]
    today = dashboards.local_today()
    outcomes = ("approved", "approved", "approved", "head_approved", "submitted", "submitted", "returned", "draft")
    for t_index, teacher in enumerate(sorted(demo.teachers, key=lambda u: u.username)):
        for a_index, assignment in enumerate(assignments_of(teacher, demo.year)):
            n = 10 + t_index + a_index
            record = _plan(teacher, plan_type, assignment, today + timedelta(rng.randint(2, 9)), n)
            _drive(record, rng.choice(outcomes), rng)
            if rng.random() < 0.1:  # a plan whose lesson has already passed
                late = _plan(teacher, plan_type, assignment, today - timedelta(rng.randint(0, 4)), n + 1)
                _drive(late, rng.choice(("draft", "submitted")), rng)
    _gv_toan(demo, plan_type, today, rng)
    _head_minutes(demo, rng)


def _gv_toan(demo: DemoSchool, plan_type: RecordType, today: date, rng: random.Random) -> None:
    teacher = demo.users.get("gv.toan")
    if teacher is None:
        return
    assignment = assignments_of(teacher, demo.year)[0]
    for n, outcome in ((30, "returned"), (31, "approved"), (32, "draft")):
        record = _plan(teacher, plan_type, assignment, today + timedelta(days=3 + n - 30), n)
        _drive(record, outcome, rng)
        if outcome == "returned":
            head, _ = _reviewers(record)
            if head is not None:
                services.add_comment(
                    head, record, "Em xem lại phần vận dụng nhé, có thể lấy ví dụ về đo ruộng lúa ở Tháp Mười."
                )


def _head_minutes(demo: DemoSchool, rng: random.Random) -> None:
    head = demo.users.get("totruong.toan")
    minutes = queries.get_type_by_code("bien_ban_sinh_hoat_to")
    if head is None or minutes is None:
        return
    stored = [
        stage_bytes(
            "Bien ban sinh hoat to Toan - Tin.docx", plan_docx("Biên bản sinh hoạt tổ chuyên môn", "Toán – Tin", "—")
        )
    ]
    record = services.create_record(
        head, minutes, title=f"Biên bản sinh hoạt tổ Toán – Tin (tuần {dashboards.local_today():%d/%m})", files=stored
    )
    _drive(record, "submitted", rng)
