"""The demo school for `flask seed-demo`: a realistic THCS school, 2024-2025.

`seed_school(rng)` builds it through services only (audited like any other change;
each class roster is written as one `import.class_roster` event) and never commits.
It also fills what the học bạ prints: cơ quan chủ quản and the date-line place, the
hiệu trưởng of the year, a số đăng bộ per student, and one student who came from another
school (a quá trình học tập row) and changed class at the start of HK II.
Given random.Random(2024) it produces the same school every time. Every demo account
shares one password, hashed once (Argon2 is deliberately slow).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from app.accounts import passwords
from app.accounts import services as accounts
from app.accounts.models import User
from app.core.authz import Role
from app.core.vn import fold, join_name
from app.school import demo_data as data
from app.school import queries, services
from app.school.imports import roster
from app.school.models import Department, School, SchoolClass, SchoolYear, Subject

DEMO_PASSWORD = "Demo@2024-2025"
DEMO_USERNAMES = ("admin", "hieutruong", "phohieutruong", "totruong.toan", "gv.toan", "gvcn.6a1")
START_YEAR = 2024
EMAIL_DOMAIN = "thcsnguyendu.edu.vn"
GOVERNING_BODY = "Phòng Giáo dục và Đào tạo huyện Tháp Mười"
TRANSFER_FROM, TRANSFER_TO = "7A1", "7A2"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    description: str


@dataclass
class DemoSchool:
    school: School
    year: SchoolYear
    departments: dict[str, Department]
    subjects: dict[str, Subject]
    classes: list[SchoolClass]
    users: dict[str, User]
    teachers: list[User]
    password: str = DEMO_PASSWORD
    logins: list[DemoLogin] = field(default_factory=list)
    #: what to try first, printed after the logins (the other domains' seeders append)
    hints: list[str] = field(default_factory=list)


def _weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def person_name(rng: random.Random, male: bool, surname: str | None = None) -> tuple[str, str, str]:
    last = surname or _weighted(rng, data.SURNAMES)
    middle = rng.choice(data.MALE_MIDDLE if male else data.FEMALE_MIDDLE)
    first = rng.choice(data.MALE_FIRST if male else data.FEMALE_FIRST)
    return last, middle, first


def phone(rng: random.Random) -> str:
    return rng.choice(data.PHONE_PREFIXES) + f"{rng.randrange(10**7):07d}"


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.password_hash = passwords.hash_password(DEMO_PASSWORD)
        self.users: dict[str, User] = {}

    def user(
        self,
        username: str | None,
        male: bool,
        roles: tuple[Role, ...] = (Role.TEACHER,),
        department: Department | None = None,
        position: str = "Giáo viên",
    ) -> User:
        last, middle, first = person_name(self.rng, male)
        full_name = join_name(last, middle, first)
        if username is None:
            base = f"{fold(first)}.{''.join(fold(w)[0] for w in f'{last} {middle}'.split())}"
            username, n = base, 2
            while username in self.users:
                username, n = f"{base}{n}", n + 1
        user = accounts.create_user(
            None,
            username=username,
            full_name=full_name,
            password="",
            roles=roles,
            department_id=department.id if department else None,
            position=position,
            email=f"{username}@{EMAIL_DOMAIN}",
            phone=phone(self.rng),
            must_change_password=False,
            password_hash=self.password_hash,
        )
        self.users[username] = user
        return user


def seed_school(rng: random.Random) -> DemoSchool:
    """Build the whole demo school (caller commits)."""
    b = _Builder(rng)
    school = services.save_school(
        None,
        name="Trường THCS Nguyễn Du",
        code="87THCS0042",
        level="THCS",
        province="Đồng Tháp",
        district="Huyện Tháp Mười",
        address="Khóm 2, thị trấn Mỹ An, huyện Tháp Mười, tỉnh Đồng Tháp",
        phone="02773821042",
        governing_body=GOVERNING_BODY,
        place_name="Tháp Mười",
    )
    year = services.create_year(
        None,
        START_YEAR,
        date(2024, 9, 5),
        date(2025, 5, 31),
        ((date(2024, 9, 5), date(2025, 1, 18)), (date(2025, 1, 20), date(2025, 5, 25))),
    )
    for term, lock in zip(year.terms, (date(2025, 1, 25), date(2025, 5, 31)), strict=True):
        services.update_term(None, term, start_date=term.start_date, end_date=term.end_date, lock_date=lock)
    departments = {key: services.create_department(None, name) for key, name in data.DEPARTMENTS}
    subjects = {
        code: services.create_subject(
            None,
            code=code,
            name=name,
            assessment_kind=kind,
            department_id=departments[dept].id,
            periods=periods,
            sort_order=index,
        )
        for index, (code, name, kind, dept, periods) in enumerate(data.SUBJECTS, start=1)
    }

    principal = b.user("hieutruong", male=True, roles=(Role.PRINCIPAL,), position="Hiệu trưởng")
    b.user("phohieutruong", male=False, roles=(Role.VICE_PRINCIPAL,), position="Phó hiệu trưởng")
    b.user("admin", male=True, roles=(Role.ADMIN,), position="Nhân viên CNTT – thiết bị")
    services.set_year_principal(None, year, user_id=principal.id)

    fixed = {("toan", 0): "totruong.toan", ("toan", 1): "gv.toan", ("van", 1): "gvcn.6a1"}
    staff: dict[str, list[tuple[User, str]]] = {}
    for key, codes in data.TEACHING_STAFF.items():
        dept = departments[key]
        members = []
        for index, code in enumerate(codes):
            position = "Tổ trưởng chuyên môn" if index == 0 else "Giáo viên"
            male = rng.random() < 0.35
            members.append((b.user(fixed.get((key, index)), male, department=dept, position=position), code))
        staff[key] = members
        head = members[0][0]
        deputy = members[-1][0] if len(members) >= 7 else None  # tổ phó when ≥ 7 members
        services.update_department(None, dept, name=dept.name, head_id=head.id, deputy_id=deputy.id if deputy else None)

    classes = [services.create_class(None, year, name, int(name[0])) for name in data.CLASS_NAMES]
    teaching = _assign_subjects(staff, subjects, classes)
    _assign_homerooms(rng, teaching, classes, staff, b.users)
    for cls in classes:  # HĐTN, hướng nghiệp: the GVCN's
        teaching[(cls.id, "HDTN")] = cls.homeroom_teacher_id  # type: ignore[assignment]
    for cls in classes:
        for code, subject in subjects.items():
            services.assign_teacher(None, cls, subject, teaching[(cls.id, code)])

    used: set[str] = set()
    registers: dict[int, int] = {}
    for cls in classes:
        entries = _students(rng, cls, year, used, registers)
        roster.add_students(None, entries, comment="Dữ liệu mẫu (flask seed-demo)")
    _transferred_student(classes, year)

    teachers = [u for members in staff.values() for u, _ in members]
    return DemoSchool(school, year, departments, subjects, classes, b.users, teachers, logins=_logins(b.users, classes))


def _assign_subjects(
    staff: dict[str, list[tuple[User, str]]], subjects: dict[str, Subject], classes: list[SchoolClass]
) -> dict[tuple[int, str], int]:
    """Each subject's classes in consecutive blocks; the tổ trưởng teaches the fewest, last."""
    teaching: dict[tuple[int, str], int] = {}
    for members in staff.values():
        for code in {c for _, c in members}:
            teachers = [u for u, c in members if c == code]
            if teachers[0] is members[0][0] and len(teachers) > 1:
                teachers = teachers[1:] + teachers[:1]
            base, extra = divmod(len(classes), len(teachers))
            start = 0
            for index, teacher in enumerate(teachers):
                size = base + (1 if index < extra else 0)
                for cls in classes[start : start + size]:
                    teaching[(cls.id, code)] = teacher.id
                start += size
    missing = [c for c in subjects if c != "HDTN" and not any(k[1] == c for k in teaching)]
    assert not missing, missing
    return teaching


def _assign_homerooms(
    rng: random.Random,
    teaching: dict[tuple[int, str], int],
    classes: list[SchoolClass],
    staff: dict[str, list[tuple[User, str]]],
    users: dict[str, User],
) -> None:
    leaders = {members[0][0].id for members in staff.values()} | {
        members[-1][0].id for members in staff.values() if len(members) >= 7
    }
    taken = {users["gv.toan"].id} | leaders
    for cls in classes:
        if cls.name == "6A1":
            chosen = users["gvcn.6a1"].id
        else:
            main = {teaching[(cls.id, c)] for c in ("VAN", "TOAN", "TA", "KHTN", "LSDL")}
            every = {t for (class_id, _), t in teaching.items() if class_id == cls.id}
            homerooms = taken - leaders - {users["gv.toan"].id}
            tiers = (main - taken, every - taken, main - homerooms - {users["gv.toan"].id})
            chosen = rng.choice(sorted(next(t for t in tiers if t)))
        taken.add(chosen)
        services.set_homeroom_teacher(None, cls, chosen)


def _unique(rng: random.Random, used: set[str], prefix: str, digits: int) -> str:
    """prefix + random digits, never handed out twice."""
    value = f"{prefix}{rng.randrange(10**digits):0{digits}d}"
    while value in used:
        value = f"{prefix}{rng.randrange(10**digits):0{digits}d}"
    used.add(value)
    return value


def _students(
    rng: random.Random, cls: SchoolClass, year: SchoolYear, used: set[str], registers: dict[int, int]
) -> list[roster.RosterEntry]:
    """A class of 38–42; số đăng bộ numbered per year of entry ('0042/2021')."""
    entries = []
    entry_year = year.start_year - (cls.grade_level - 6)
    for n in range(rng.randint(38, 42)):
        male = rng.random() < 0.5
        father_last = _weighted(rng, data.SURNAMES)
        last, middle, first = person_name(rng, male, surname=father_last)
        birth_year = year.start_year - cls.grade_level - 5 - (1 if rng.random() < 0.03 else 0)
        birth = date(birth_year, 1, 1) + timedelta(days=rng.randrange(365))
        code = f"ND{entry_year % 100:02d}{cls.name[-2:]}{n + 1:03d}"
        national_id = None
        if rng.random() < 0.7:
            century_gender = "2" if male else "3"
            national_id = _unique(rng, used, f"087{century_gender}{birth_year % 100:02d}", 6)
        commune = rng.choice(data.COMMUNES)
        place = rng.choice(data.WARDS if commune.startswith("thị trấn") else data.HAMLETS)
        address = f"{place}, {commune}, huyện Tháp Mười, tỉnh Đồng Tháp"
        registers[entry_year] = registers.get(entry_year, 0) + 1
        fields = {
            "student_code": code,
            "register_number": f"{registers[entry_year]:04d}/{entry_year}",
            "moet_id": _unique(rng, used, "87", 8),
            "last_name": last,
            "middle_name": middle,
            "first_name": first,
            "full_name": join_name(last, middle, first),
            "birth_date": birth,
            "gender": "nam" if male else "nu",
            "ethnicity": _weighted(rng, data.ETHNICITIES),
            "birthplace": _weighted(rng, data.BIRTHPLACES),
            "address": address,
            "national_id": national_id,
        }
        entries.append(
            roster.RosterEntry(
                services.validate_student_fields(fields), cls.id, year.id, _guardians(rng, father_last, birth_year)
            )
        )
    return entries


def _transferred_student(classes: list[SchoolClass], year: SchoolYear) -> None:
    """The first student of 7A1 came from another school after lớp 6 and moved to 7A2
    when HK II began: a quá trình học tập row and two enrollments."""
    from_class = next(c for c in classes if c.name == TRANSFER_FROM)
    to_class = next(c for c in classes if c.name == TRANSFER_TO)
    student = min(queries.students_of_class(from_class), key=lambda s: s.student_code)
    services.add_schooling(
        None,
        student,
        year_name=f"{year.start_year - 1}-{year.start_year}",
        class_name="6A3",
        school_name="Trường THCS Mỹ Long",
        place="huyện Cầu Ngang, tỉnh Trà Vinh",
    )
    services.move_student(None, student, to_class, year.terms[1].start_date)


def _guardians(rng: random.Random, father_last: str, birth_year: int) -> list[dict[str, Any]]:
    guardians = []
    if rng.random() < 0.92:
        guardians.append(
            {
                "relation": "cha",
                "full_name": join_name(*person_name(rng, True, father_last)),
                "phone": phone(rng) if rng.random() < 0.8 else None,
                "occupation": _weighted(rng, data.FATHER_JOBS),
                "birth_year": birth_year - rng.randint(25, 42),
            }
        )
    if rng.random() < 0.96:
        guardians.append(
            {
                "relation": "me",
                "full_name": join_name(*person_name(rng, False)),
                "phone": phone(rng),
                "occupation": _weighted(rng, data.MOTHER_JOBS),
                "birth_year": birth_year - rng.randint(22, 38),
            }
        )
    if len(guardians) < 2 and rng.random() < 0.6 or not guardians:
        guardians.append(
            {
                "relation": "giam_ho",
                "full_name": join_name(*person_name(rng, rng.random() < 0.4)),
                "phone": phone(rng),
                "occupation": "Nông dân",
                "birth_year": birth_year - rng.randint(45, 60),
            }
        )
    return guardians


def _logins(users: dict[str, User], classes: list[SchoolClass]) -> list[DemoLogin]:
    def name(username: str) -> str:
        return users[username].full_name

    return [
        DemoLogin("admin", "Quản trị hệ thống", f"{name('admin')}: tài khoản, nhập Excel, cấu hình"),
        DemoLogin("hieutruong", "Hiệu trưởng", f"{name('hieutruong')}: xem toàn trường, duyệt cuối"),
        DemoLogin("phohieutruong", "Phó hiệu trưởng", f"{name('phohieutruong')}: xem toàn trường"),
        DemoLogin(
            "totruong.toan", "Tổ trưởng Toán – Tin", f"{name('totruong.toan')}: duyệt hồ sơ của tổ; dạy Toán 9A3"
        ),
        DemoLogin("gv.toan", "Giáo viên bộ môn", f"{name('gv.toan')}: dạy Toán 6A1, 6A2 (tổ Toán – Tin)"),
        DemoLogin("gvcn.6a1", "GVCN lớp 6A1", f"{name('gvcn.6a1')}: chủ nhiệm 6A1 (HK I đã chốt), dạy Ngữ văn"),
    ]
