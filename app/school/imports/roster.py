"""Class roster import: students and their guardians, all or nothing.

validate() reads every row and lists every problem ("Dòng 14: ngày sinh '31/02/2012'
không tồn tại: tháng 2 không có ngày 31"); apply() — a writer: flushes, never commits —
writes every row or none. A new mã học sinh adds the student ("Thêm mới"); a mã học sinh
already in the system updates that student (roster_changes: "Cập nhật" with old → new per
field, or "Không đổi"). The new students are written together with ONE summary audit
event `import.class_roster`; each updated student gets the events the student form writes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, selectinload

from app.accounts.models import User
from app.audit import services as audit
from app.core.vn import fold, join_name, nfc, split_full_name
from app.core.xlsx import Row, cell_date, cell_text, is_number_cell
from app.extensions import db
from app.school import queries
from app.school.imports import roster_changes
from app.school.imports.roster_changes import RosterUpdate
from app.school.imports.xlsx import (
    Column,
    ImportOptions,
    ImportResult,
    Preview,
    RowResult,
    build_preview,
    check_length,
    date_message,
)
from app.school.models import Enrollment, Guardian, SchoolClass, SchoolYear, Student
from app.school.services import SchoolError, normalise_phone, validate_student_fields

KIND = "roster"
ACTION = "import.class_roster"
LABEL = "Danh sách học sinh của lớp"

RELATIONS = (("cha", "cha", ("bo",)), ("me", "mẹ", ()), ("giam_ho", "người giám hộ", ("giamho",)))


def _guardian_columns() -> tuple[Column, ...]:
    examples = {
        "cha": ("Nguyễn Văn Hùng", "0912345678", "Nông dân"),
        "me": ("Trần Thị Lan", "0987654321", "Buôn bán"),
        "giam_ho": ("", "", ""),
    }
    columns = []
    for key, label, alt in RELATIONS:
        names = (label, *alt)
        name, phone, job = examples[key]
        columns += [
            Column(
                f"{key}_name",
                f"Họ tên {label}",
                tuple(a for n in names for a in (f"Họ và tên {n}", f"Tên {n}", n)),
                example=name,
            ),
            Column(
                f"{key}_phone",
                f"Điện thoại {label}",
                tuple(a for n in names for a in (f"SĐT {n}", f"Số điện thoại {n}", f"ĐT {n}")),
                example=phone,
                as_text=True,
                note="10 chữ số, bắt đầu bằng 0.",
            ),
            Column(
                f"{key}_job",
                f"Nghề nghiệp {label}",
                tuple(f"Nghề {n}" for n in names) + tuple(f"Nghề nghiệp {n}" for n in alt),
                example=job,
            ),
        ]
    return tuple(columns)


COLUMNS: tuple[Column, ...] = (
    Column(
        "student_code",
        "Mã HS",
        ("Mã học sinh", "Mã số học sinh"),
        required=True,
        example="HS240001",
        as_text=True,
        note="Mã học sinh của trường; không trùng. Mã đã có trong hệ thống: cập nhật học sinh đó.",
    ),
    Column(
        "moet_id",
        "Mã định danh Bộ",
        ("Mã định danh học sinh", "Mã định danh", "Mã CSDL", "Mã định danh Bộ GD&ĐT"),
        as_text=True,
        note="Mã trên CSDL ngành; không đổi được sau khi đã nhập.",
    ),
    Column(
        "register_number",
        "Số đăng bộ",
        ("Số ĐB", "SĐB", "Số đăng bộ học sinh"),
        as_text=True,
        note="Số đăng bộ của trường (ghi trong học bạ); không bắt buộc, không trùng.",
    ),
    Column("last_name", "Họ", ("Họ học sinh",), example="Nguyễn"),
    Column("middle_name", "Chữ đệm", ("Tên đệm", "Đệm"), example="Ngọc Bảo"),
    Column(
        "first_name",
        "Tên",
        ("Tên học sinh",),
        example="Anh",
        note="Có thể thay ba cột Họ / Chữ đệm / Tên bằng một cột 'Họ và tên'.",
    ),
    Column("full_name", "Họ và tên", ("Họ tên", "Họ và tên học sinh", "Họ tên học sinh")),
    Column(
        "birth_date",
        "Ngày sinh",
        ("Ngày tháng năm sinh",),
        required=True,
        example="17/05/2013",
        as_text=True,
        note="dd/mm/yyyy, hoặc ô kiểu ngày của Excel.",
    ),
    Column("gender", "Giới tính", ("GT", "Phái"), required=True, example="Nữ", note="Nam hoặc Nữ."),
    Column("ethnicity", "Dân tộc", (), example="Kinh"),
    Column("birthplace", "Nơi sinh", (), example="Đồng Tháp"),
    Column(
        "address",
        "Chỗ ở hiện tại",
        ("Chỗ ở", "Địa chỉ", "Nơi ở", "Nơi ở hiện tại"),
        example="Ấp 3, xã Mỹ Hòa, huyện Tháp Mười, Đồng Tháp",
    ),
    Column(
        "national_id",
        "Số định danh cá nhân",
        ("Số định danh", "Số CCCD", "CCCD", "Mã định danh cá nhân", "Số căn cước"),
        as_text=True,
        note="12 chữ số (không bắt buộc). Định dạng cột là Văn bản để giữ số 0 ở đầu.",
    ),
    Column("class_name", "Lớp", (), note="Không bắt buộc khi chọn lớp lúc tải lên; nếu có phải trùng lớp đã chọn."),
    *_guardian_columns(),
)
NOTES = (
    "Mỗi dòng là một học sinh. Mã HS mới: thêm học sinh; Mã HS đã có: cập nhật học sinh đó "
    "(xem trước hiện giá trị cũ → mới). Dòng tiêu đề phải giữ đúng tên cột.",
    "Khi cập nhật, ô để trống và cột không có trong tệp giữ nguyên giá trị đang có; lớp không đổi "
    "(đổi lớp bằng “Chuyển lớp” trên trang học sinh).",
    "Các cột bắt buộc: Mã HS, Họ + Tên (hoặc Họ và tên), Ngày sinh, Giới tính.",
    "Ngày sinh: dd/mm/yyyy (ví dụ 05/09/2013).",
    "Nếu có một dòng sai, không dòng nào được nhập; hãy sửa tệp rồi tải lên lại.",
)

LENGTHS = {
    "student_code": 30,
    "register_number": 30,
    "moet_id": 30,
    "last_name": 60,
    "middle_name": 80,
    "first_name": 40,
    "ethnicity": 40,
    "birthplace": 200,
    "address": 250,
}
LABELS = {
    "student_code": "mã học sinh",
    "register_number": "số đăng bộ",
    "moet_id": "mã định danh Bộ",
    "last_name": "họ",
    "middle_name": "chữ đệm",
    "first_name": "tên",
    "ethnicity": "dân tộc",
    "birthplace": "nơi sinh",
    "address": "chỗ ở",
}
GENDERS = {"nam": "nam", "m": "nam", "male": "nam", "nu": "nu", "f": "nu", "female": "nu"}


@dataclass
class RosterEntry:
    """One validated student, ready to be written."""

    fields: dict[str, Any]
    class_id: int
    year_id: int
    guardians: list[dict[str, Any]] = field(default_factory=list)


def validate(rows: list[Row], options: ImportOptions) -> Preview:
    preview, data_rows = build_preview(KIND, COLUMNS, rows)
    names_ok = {"first_name", "last_name"} <= set(preview.present) or "full_name" in preview.present
    if not names_ok:
        preview.file_errors.append(
            "Thiếu cột tên học sinh: cần hai cột 'Họ' và 'Tên' (và 'Chữ đệm'), hoặc một cột 'Họ và tên'."
        )
    target = db.session.get(SchoolClass, options.class_id) if options.class_id else None
    year = target.year if target else queries.current_year()
    if year is None:
        preview.file_errors.append("Chưa có năm học nào; hãy tạo năm học trước khi nhập.")
        return preview
    if target is None and "class_name" not in preview.present:
        preview.file_errors.append("Chưa chọn lớp: hãy chọn lớp khi tải lên, hoặc thêm cột 'Lớp'.")
    if preview.file_errors:
        return preview
    ctx = _Context(year, target, data_rows)
    preview.rows = [_validate_row(line, raw, ctx) for line, raw in data_rows]
    return preview


class _Context:
    """What rows are checked against: the year's classes and identifiers already used."""

    def __init__(
        self, year: SchoolYear, target: SchoolClass | None, data_rows: list[tuple[int, dict[str, Any]]]
    ) -> None:
        self.year = year
        self.target = target
        self.classes = {
            fold(c.name): c for c in db.session.scalars(select(SchoolClass).where(SchoolClass.year_id == year.id))
        }
        #: identifier → the mã học sinh of the student holding it
        self.taken = {
            key: _existing(column, {cell_text(raw.get(key)).replace(" ", "") for _, raw in data_rows} - {""})
            for key, column in (
                ("student_code", Student.student_code),
                ("register_number", Student.register_number),
                ("moet_id", Student.moet_id),
                ("national_id", Student.national_id),
            )
        }
        self.seen: dict[str, dict[str, int]] = {k: {} for k in self.taken}
        self.existing = _students(set(self.taken["student_code"]))


def _existing(column: InstrumentedAttribute[Any], values: set[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    ordered = sorted(values)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start : start + 500]
        found.update(
            (value, code)
            for value, code in db.session.execute(select(column, Student.student_code).where(column.in_(chunk)))
        )
    return found


def _students(codes: set[str]) -> dict[str, Student]:
    """The students the file names by mã học sinh, with their guardians and enrollments."""
    found: dict[str, Student] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), 500):
        stmt = (
            select(Student)
            .where(Student.student_code.in_(ordered[start : start + 500]))
            .options(selectinload(Student.guardians), selectinload(Student.enrollments))
        )
        found.update((s.student_code, s) for s in db.session.scalars(stmt))
    return found


def _validate_row(line: int, raw: dict[str, Any], ctx: _Context) -> RowResult:
    cells = {key: cell_text(value) for key, value in raw.items()}
    row = RowResult(line, cells)
    errors = row.errors
    last = cells.get("last_name", "")
    middle, first = cells.get("middle_name", ""), cells.get("first_name", "")
    full = cells.get("full_name", "")
    if not (last or first) and full:
        last, middle, first = split_full_name(full)
    if not first:
        errors.append("thiếu tên học sinh")
    elif not last:
        errors.append(f"thiếu họ của học sinh '{first}'")
    code = cells.get("student_code", "")
    if not code:
        errors.append("thiếu mã học sinh")
    _unique(ctx, errors, line, "student_code", code, "mã học sinh", code)
    existing = ctx.existing.get(code)
    birth = _birth_date(raw.get("birth_date"), cells.get("birth_date", ""), ctx, errors)
    gender = GENDERS.get(fold(cells.get("gender", "")))
    if not cells.get("gender"):
        errors.append("thiếu giới tính (ghi Nam hoặc Nữ)")
    elif gender is None:
        errors.append(f"giới tính '{cells['gender']}' không hợp lệ (ghi Nam hoặc Nữ)")
    national_id = cells.get("national_id", "").replace(" ", "")
    if national_id and not (national_id.isdigit() and len(national_id) == 12):
        hint = ""
        if is_number_cell(raw.get("national_id")) and len(national_id) == 11:
            hint = " — ô đang ở dạng số nên đã mất số 0 ở đầu; hãy định dạng cột là Văn bản"
        errors.append(f"số định danh cá nhân '{national_id}' phải gồm đúng 12 chữ số{hint}")
    _unique(ctx, errors, line, "national_id", national_id, "số định danh cá nhân", code)
    _unique(ctx, errors, line, "moet_id", cells.get("moet_id", ""), "mã định danh Bộ", code)
    _unique(ctx, errors, line, "register_number", cells.get("register_number", ""), "số đăng bộ", code)
    values = {
        "student_code": code,
        "register_number": cells.get("register_number", ""),
        "moet_id": cells.get("moet_id", ""),
        "last_name": last,
        "middle_name": middle,
        "first_name": first,
        "ethnicity": cells.get("ethnicity", ""),
        "birthplace": cells.get("birthplace", ""),
        "address": cells.get("address", ""),
    }
    for key, maximum in LENGTHS.items():
        check_length(errors, LABELS[key], values[key], maximum)
    school_class = _class_of(cells.get("class_name", ""), ctx, errors)
    guardians = _guardians(raw, cells, errors, {g.relation for g in existing.guardians} if existing else ())
    if existing is not None and school_class is not None and not errors:
        given = {**values, "full_name": join_name(last, middle, first), "birth_date": birth, "gender": gender}
        update = roster_changes.compare(
            existing, {**given, "national_id": national_id}, guardians, school_class, ctx.year, errors
        )
        if update is not None:
            row.data, row.status, row.changes = update, "update" if update.changed else "same", update.changes
            row.note = "Cập nhật" if update.changed else "Không đổi"
        return row
    if errors:
        return row
    try:
        data = validate_student_fields(
            {
                **values,
                "full_name": join_name(last, middle, first),
                "birth_date": birth,
                "gender": gender,
                "national_id": national_id,
            }
        )
    except SchoolError as exc:  # belt and braces: the service's own checks
        errors.append(exc.message.rstrip("."))
        return row
    assert school_class is not None
    row.data = RosterEntry(data, school_class.id, ctx.year.id, guardians)
    row.status = "new"
    row.note = f"Thêm mới vào lớp {school_class.name}" + (f", {len(guardians)} người giám hộ" if guardians else "")
    return row


def _unique(ctx: _Context, errors: list[str], line: int, key: str, value: str, label: str, code: str) -> None:
    """An identifier used twice in the file, or held by another student than the row's."""
    if not value:
        return
    first_line = ctx.seen[key].setdefault(value, line)
    if first_line != line:
        errors.append(f"{label} '{value}' trùng với dòng {first_line}")
    elif key != "student_code" and ctx.taken[key].get(value, code) != code:
        errors.append(f"{label} '{value}' đã có ở một học sinh khác trong hệ thống")


def _birth_date(raw: Any, shown: str, ctx: _Context, errors: list[str]) -> date | None:
    if not shown:
        errors.append("thiếu ngày sinh")
        return None
    try:
        birth = cell_date(raw)
    except (ValueError, TypeError, OverflowError):
        errors.append(date_message("ngày sinh", shown))  # a wrong shape, or a day that does not exist
        return None
    age = ctx.year.start_year - birth.year
    if not 4 <= age <= 25:
        errors.append(f"ngày sinh '{shown}' không hợp lý cho học sinh năm học {ctx.year.name}")
    return birth


def _class_of(name: str, ctx: _Context, errors: list[str]) -> SchoolClass | None:
    if ctx.target is not None:
        if name and fold(name) != fold(ctx.target.name):
            errors.append(f"lớp '{name}' khác lớp đang nhập ({ctx.target.name})")
        return ctx.target
    if not name:
        errors.append("thiếu lớp")
        return None
    school_class = ctx.classes.get(fold(name))
    if school_class is None:
        errors.append(f"lớp '{name}' không có trong năm học {ctx.year.name}")
    return school_class


def _guardians(
    raw: dict[str, Any], cells: dict[str, str], errors: list[str], known: Iterable[str] = ()
) -> list[dict[str, Any]]:
    """The row's guardians; `known`: the relations the (existing) student already has, whose
    name may be left empty to keep it while changing the phone or the occupation."""
    guardians = []
    for key, label, _alt in RELATIONS:
        name = cells.get(f"{key}_name", "")
        phone = cells.get(f"{key}_phone", "").replace(" ", "")
        job = cells.get(f"{key}_job", "")
        if is_number_cell(raw.get(f"{key}_phone")) and len(phone) == 9:
            phone = "0" + phone  # a number cell lost the leading zero
        if not name and not (key in known and (phone or job)):
            if phone or job:
                errors.append(f"có số điện thoại hoặc nghề nghiệp của {label} nhưng thiếu họ tên {label}")
            continue
        try:
            phone = normalise_phone(phone) or ""
        except SchoolError:
            errors.append(
                f"số điện thoại của {label} '{cells.get(f'{key}_phone')}' không hợp lệ (cần 10 chữ số, bắt đầu bằng 0)"
            )
        check_length(errors, f"họ tên {label}", name, 120)
        check_length(errors, f"nghề nghiệp {label}", job, 120)
        guardians.append(
            {"relation": key, "full_name": nfc(name) or None, "phone": phone or None, "occupation": nfc(job) or None}
        )
    return guardians


def apply(
    actor: User | None, preview: Preview, options: ImportOptions, *, comment: str, file_sha256: str | None = None
) -> ImportResult:
    new = [row.data for row in preview.rows if isinstance(row.data, RosterEntry)]
    updates = [row.data for row in preview.rows if isinstance(row.data, RosterUpdate)]
    return add_students(actor, new, comment=comment, file_sha256=file_sha256, updates=updates)


def build_student(entry: RosterEntry) -> Student:
    student = Student(**entry.fields)
    student.guardians = [Guardian(**g) for g in entry.guardians]
    year = db.session.get(SchoolYear, entry.year_id)
    assert year is not None
    student.enrollments = [Enrollment(class_id=entry.class_id, year_id=entry.year_id, start_date=year.start_date)]
    return student


def add_students(
    actor: User | None,
    entries: Iterable[RosterEntry],
    *,
    comment: str,
    file_sha256: str | None = None,
    updates: Iterable[RosterUpdate] = (),
) -> ImportResult:
    """Write validated new students with guardians and enrollments, and the updates of
    existing ones; one summary audit event (each update also writes its own)."""
    entries, updates = list(entries), list(updates)
    changed = roster_changes.apply_updates(actor, updates)
    students = [build_student(entry) for entry in entries]
    db.session.add_all(students)
    db.session.flush()
    class_ids = sorted({e.class_id for e in entries} | {u.class_id for u in updates})
    classes = [db.session.get(SchoolClass, cid) for cid in class_ids]
    counts = {
        "students": len(students),
        "guardians": sum(len(s.guardians) for s in students),
        "updated": changed["updated"],
        "unchanged": len(updates) - changed["updated"],
    }
    subject: SchoolClass | tuple[str, str] | None = classes[0] if len(classes) == 1 else ("import", KIND)
    audit.record(
        actor,
        ACTION,
        subject,
        comment=comment,
        file_sha256=file_sha256,
        changes={
            "students_created": [0, counts["students"]],
            "guardians_created": [0, counts["guardians"]],
            "students_updated": [0, counts["updated"]],
            "classes": [None, [c.name for c in classes if c is not None]],
        },
    )
    return ImportResult(KIND, counts, _summary(counts, ", ".join(c.name for c in classes if c is not None)))


def _summary(counts: dict[str, int], names: str) -> str:
    parts = []
    if counts["students"] or not (counts["updated"] or counts["unchanged"]):
        parts.append(
            f"Đã nhập {counts['students']} học sinh và {counts['guardians']} cha/mẹ/người giám hộ vào lớp {names}."
        )
    if counts["updated"]:
        parts.append(f"Đã cập nhật {counts['updated']} học sinh" + ("." if parts else f" của lớp {names}."))
    if counts["unchanged"]:
        parts.append(f"{counts['unchanged']} học sinh không đổi.")
    return " ".join(parts)
