"""Staff list import: one account per row, each with a generated initial password.

The passwords are shown once (result page, or printed by the CLI) and must be changed
at first login. Each account goes through accounts.services.create_user, which audits
`user.created` per account (a credential's creation stays individually traceable);
the file as a whole writes one summary event `import.staff`.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import User
from app.accounts.passwords import generate_password
from app.audit import services as audit
from app.core.authz import Role
from app.core.vn import fold
from app.core.xlsx import Row, cell_text
from app.extensions import db
from app.school.imports.xlsx import (
    Column,
    ImportOptions,
    ImportResult,
    Preview,
    RowResult,
    build_preview,
    check_length,
)
from app.school.models import Department
from app.school.services import SchoolError, normalise_phone

KIND = "staff"
ACTION = "import.staff"
LABEL = "Danh sách cán bộ, giáo viên"

COLUMNS: tuple[Column, ...] = (
    Column(
        "full_name",
        "Họ và tên",
        ("Họ tên", "Họ tên giáo viên", "Họ và tên giáo viên", "Họ tên cán bộ"),
        required=True,
        example="Lê Thị Thu Hà",
    ),
    Column(
        "username",
        "Tên đăng nhập",
        ("Tài khoản", "Username", "Tên tài khoản"),
        required=True,
        example="ha.ltt",
        note="Chữ không dấu, số, dấu chấm hoặc gạch dưới; không trùng.",
    ),
    Column("email", "Email", ("Thư điện tử", "E-mail"), example="ha.ltt@truong.edu.vn"),
    Column("phone", "Điện thoại", ("Số điện thoại", "SĐT", "ĐT"), example="0912345678", as_text=True),
    Column(
        "department",
        "Tổ chuyên môn",
        ("Tổ", "Tổ bộ môn"),
        example="Toán – Tin",
        note="Tên tổ đúng như trong màn hình Tổ chuyên môn (không bắt buộc).",
    ),
    Column(
        "roles",
        "Vai trò",
        ("Quyền",),
        example="Giáo viên",
        note="Giáo viên (mặc định), Hiệu trưởng, Phó hiệu trưởng, Quản trị; nhiều vai trò cách nhau bằng dấu phẩy.",
    ),
    Column("position", "Chức vụ", (), example="Giáo viên"),
)
NOTES = (
    "Mỗi dòng là một tài khoản mới; mật khẩu ban đầu được tạo ngẫu nhiên và hiển thị MỘT LẦN "
    "sau khi nhập — hãy in hoặc ghi lại để trao cho từng người.",
    "Người dùng phải đổi mật khẩu ở lần đăng nhập đầu tiên.",
    "Tổ trưởng, tổ phó được chọn ở màn hình Tổ chuyên môn, không ghi trong cột Vai trò.",
    "Nếu có một dòng sai, không dòng nào được nhập.",
)
ROLE_WORDS = {
    "giaovien": Role.TEACHER,
    "gv": Role.TEACHER,
    "quantri": Role.ADMIN,
    "quantrihethong": Role.ADMIN,
    "admin": Role.ADMIN,
    "hieutruong": Role.PRINCIPAL,
    "ht": Role.PRINCIPAL,
    "phohieutruong": Role.VICE_PRINCIPAL,
    "pht": Role.VICE_PRINCIPAL,
}
HEAD_WORDS = {"totruong", "totruongchuyenmon", "topho", "tophochuyenmon", "tt"}
USERNAME = re.compile(r"^[a-z0-9._]{2,60}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_roles(value: str) -> tuple[tuple[Role, ...], str | None]:
    """'Giáo viên, Phó hiệu trưởng' → roles; or an error sentence."""
    roles: list[Role] = []
    for word in filter(None, (fold(part) for part in re.split(r"[,;/+]", value or ""))):
        if word in HEAD_WORDS:
            return (), ("vai trò tổ trưởng/tổ phó được chọn ở màn hình Tổ chuyên môn, không ghi trong tệp")
        if word not in ROLE_WORDS:
            return (), (f"vai trò '{value}' không hợp lệ (Giáo viên, Hiệu trưởng, Phó hiệu trưởng, Quản trị)")
        if ROLE_WORDS[word] not in roles:
            roles.append(ROLE_WORDS[word])
    return tuple(roles) or (Role.TEACHER,), None


def validate(rows: list[Row], options: ImportOptions) -> Preview:
    preview, data_rows = build_preview(KIND, COLUMNS, rows)
    if preview.file_errors:
        return preview
    departments = {fold(d.name): d for d in db.session.scalars(select(Department))}
    wanted = {accounts.normalise_username(str(raw.get("username") or "")) for _, raw in data_rows}
    taken = set(db.session.scalars(select(User.username).where(User.username.in_(wanted))))
    seen: dict[str, int] = {}
    for line, raw in data_rows:
        preview.rows.append(_validate_row(line, raw, departments, taken, seen))
    return preview


def _validate_row(
    line: int, raw: dict[str, Any], departments: dict[str, Department], taken: set[str], seen: dict[str, int]
) -> RowResult:
    cells = {key: cell_text(value) for key, value in raw.items()}
    row = RowResult(line, cells)
    errors = row.errors
    full_name = cells.get("full_name", "")
    if not full_name:
        errors.append("thiếu họ và tên")
    check_length(errors, "họ và tên", full_name, 120)
    username = accounts.normalise_username(cells.get("username", ""))
    if not username:
        errors.append("thiếu tên đăng nhập")
    elif not USERNAME.match(username):
        errors.append(f"tên đăng nhập '{username}' chỉ được gồm chữ không dấu, số, dấu chấm, gạch dưới (2–60 ký tự)")
    elif seen.setdefault(username, line) != line:
        errors.append(f"tên đăng nhập '{username}' trùng với dòng {seen[username]}")
    elif username in taken:
        errors.append(f"tên đăng nhập '{username}' đã có trong hệ thống")
    email = cells.get("email", "")
    if email and not EMAIL.match(email):
        errors.append(f"email '{email}' không hợp lệ")
    check_length(errors, "email", email, 120)
    phone = cells.get("phone", "")
    try:
        phone = normalise_phone(phone) or ""
    except SchoolError:
        errors.append(f"số điện thoại '{phone}' không hợp lệ (cần 10 chữ số, bắt đầu bằng 0)")
    department = None
    if cells.get("department"):
        department = departments.get(fold(cells["department"]))
        if department is None:
            errors.append(f"tổ chuyên môn '{cells['department']}' không có trong hệ thống")
    roles, problem = parse_roles(cells.get("roles", ""))
    if problem:
        errors.append(problem)
    check_length(errors, "chức vụ", cells.get("position", ""), 80)
    if not errors:
        row.data = {
            "username": username,
            "full_name": full_name,
            "email": email or None,
            "phone": phone or None,
            "position": cells.get("position") or None,
            "department_id": department.id if department else None,
            "roles": roles,
        }
        row.note = "Tạo tài khoản: " + ", ".join(r.label for r in roles)
    return row


def apply(
    actor: User | None, preview: Preview, options: ImportOptions, *, comment: str, file_sha256: str | None = None
) -> ImportResult:
    credentials = []
    for row in preview.rows:
        password = generate_password(row.data["username"])
        user = accounts.create_user(actor, password=password, must_change_password=True, **row.data)
        credentials.append((user.username, user.full_name, password))
    count = len(credentials)
    audit.record(
        actor,
        ACTION,
        ("import", KIND),
        comment=comment,
        file_sha256=file_sha256,
        changes={"users_created": [0, count], "usernames": [None, [c[0] for c in credentials]]},
    )
    return ImportResult(
        KIND, {"users": count}, f"Đã tạo {count} tài khoản. Mật khẩu ban đầu chỉ hiển thị một lần.", credentials
    )
