"""Teaching assignment import (phân công giảng dạy): lớp × môn → giáo viên, current year.

A row for a (class, subject) that already has a teacher changes the teacher; a row
that repeats the current teacher changes nothing. apply() writes ONE summary event
`import.assignments` (flushes, never commits).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import normalise_username
from app.audit import services as audit
from app.core.vn import fold
from app.core.xlsx import Row, cell_text
from app.extensions import db
from app.school import queries
from app.school.imports.xlsx import (
    Column,
    ImportOptions,
    ImportResult,
    Preview,
    RowResult,
    build_preview,
)
from app.school.models import SchoolClass, Subject, TeachingAssignment

KIND = "assignments"
ACTION = "import.assignments"
LABEL = "Phân công giảng dạy"

COLUMNS: tuple[Column, ...] = (
    Column("class_name", "Lớp", (), required=True, example="6A1"),
    Column(
        "subject",
        "Môn",
        ("Môn học", "Tên môn", "Mã môn"),
        required=True,
        example="Toán",
        note="Tên môn hoặc mã môn, như trong màn hình Môn học.",
    ),
    Column(
        "username",
        "Tên đăng nhập GV",
        ("Tên đăng nhập", "Tên đăng nhập giáo viên", "Tài khoản GV", "Tài khoản giáo viên", "Giáo viên"),
        required=True,
        example="gv.toan",
    ),
    Column(
        "teacher_name",
        "Họ tên GV (để đối chiếu)",
        ("Họ tên giáo viên", "Họ tên GV"),
        note="Chỉ để người đọc đối chiếu; không dùng khi nhập.",
    ),
)
NOTES = (
    "Mỗi dòng phân công một giáo viên dạy một môn ở một lớp của năm học hiện tại.",
    "Nếu lớp × môn đã có giáo viên, dòng này sẽ đổi sang giáo viên mới.",
    "Nếu có một dòng sai, không dòng nào được nhập.",
)


def validate(rows: list[Row], options: ImportOptions) -> Preview:
    preview, data_rows = build_preview(KIND, COLUMNS, rows)
    year = queries.current_year()
    if year is None:
        preview.file_errors.append("Chưa có năm học nào; hãy tạo năm học trước khi nhập.")
    if preview.file_errors:
        return preview
    assert year is not None
    classes = {fold(c.name): c for c in db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id))}
    subjects: dict[str, Subject] = {}
    for known in db.session.scalars(select(Subject)):
        subjects.setdefault(fold(known.name), known)
        subjects.setdefault(fold(known.code), known)
    wanted = {normalise_username(cell_text(raw.get("username"))) for _, raw in data_rows}
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(wanted)))}
    current = {
        (a.class_id, a.subject_id): a
        for a in db.session.scalars(
            select(TeachingAssignment).where(TeachingAssignment.class_id.in_([c.id for c in classes.values()]))
        )
    }
    seen: dict[tuple[int, int], int] = {}
    for line, raw in data_rows:
        cells = {key: cell_text(value) for key, value in raw.items()}
        row = RowResult(line, cells)
        school_class = classes.get(fold(cells.get("class_name")))
        subject = subjects.get(fold(cells.get("subject")))
        username = normalise_username(cells.get("username", ""))
        teacher = users.get(username)
        if not cells.get("class_name"):
            row.errors.append("thiếu lớp")
        elif school_class is None:
            row.errors.append(f"lớp '{cells['class_name']}' không có trong năm học {year.name}")
        if not cells.get("subject"):
            row.errors.append("thiếu môn")
        elif subject is None:
            row.errors.append(f"môn '{cells['subject']}' không có trong danh sách môn học")
        if not username:
            row.errors.append("thiếu tên đăng nhập giáo viên")
        elif teacher is None:
            row.errors.append(f"không có giáo viên với tên đăng nhập '{username}'")
        elif not teacher.active:
            row.errors.append(f"tài khoản '{username}' đang bị khoá")
        if school_class and subject:
            first = seen.setdefault((school_class.id, subject.id), line)
            if first != line:
                row.errors.append(f"lớp {school_class.name} môn {subject.name} đã được phân công ở dòng {first}")
        if not row.errors:
            assert school_class and subject and teacher
            existing = current.get((school_class.id, subject.id))
            row.data = (school_class.id, subject.id, teacher.id)
            if existing is None:
                row.note = "Phân công mới"
            elif existing.teacher_id == teacher.id:
                row.note = "Không đổi"
            else:
                row.note = f"Đổi giáo viên (trước: {existing.teacher.full_name})"
        preview.rows.append(row)
    return preview


def apply(
    actor: User | None, preview: Preview, options: ImportOptions, *, comment: str, file_sha256: str | None = None
) -> ImportResult:
    wanted = [row.data for row in preview.rows]
    class_ids = sorted({class_id for class_id, _, _ in wanted})
    current = {
        (a.class_id, a.subject_id): a
        for a in db.session.scalars(select(TeachingAssignment).where(TeachingAssignment.class_id.in_(class_ids)))
    }
    counts = {"created": 0, "changed": 0, "unchanged": 0}
    moves: list[dict[str, Any]] = []  # every assignment written, for the summary event
    for class_id, subject_id, teacher_id in wanted:
        existing = current.get((class_id, subject_id))
        if existing is not None and existing.teacher_id == teacher_id:
            counts["unchanged"] += 1
            continue
        old_teacher = existing.teacher_id if existing is not None else None
        if existing is None:
            db.session.add(TeachingAssignment(class_id=class_id, subject_id=subject_id, teacher_id=teacher_id))
            counts["created"] += 1
        else:
            existing.teacher_id = teacher_id
            counts["changed"] += 1
        moves.append({"class_id": class_id, "subject_id": subject_id, "teacher_id": [old_teacher, teacher_id]})
    db.session.flush()
    audit.record(
        actor,
        ACTION,
        ("import", KIND),
        comment=comment,
        file_sha256=file_sha256,
        changes={**{f"assignments_{k}": [0, v] for k, v in counts.items()}, "assignments": [None, moves]},
    )
    return ImportResult(
        KIND,
        counts,
        f"Đã lưu phân công: {counts['created']} mới, "
        f"{counts['changed']} đổi giáo viên, {counts['unchanged']} không đổi.",
    )
