from __future__ import annotations

import enum
from datetime import date
from functools import cache

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    false,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import BindParameter

from app.accounts.models import User, register_department_lookup
from app.core.models import Base, TimestampMixin
from app.core.request_memo import memo
from app.core.vn import mask_national_id, person_sort_key


class School(TimestampMixin, Base):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(30), unique=True)
    level: Mapped[str] = mapped_column(String(10), default="THCS")  # THCS | THPT | THCS-THPT
    province: Mapped[str] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(String(250))
    phone: Mapped[str | None] = mapped_column(String(30))
    #: cơ quan chủ quản, printed above the school's name ("Phòng Giáo dục và Đào tạo huyện …")
    governing_body: Mapped[str | None] = mapped_column(String(200))
    #: the place of the date line of documents ("Cầu Ngang, ngày 05 tháng 01 năm 2026")
    place_name: Mapped[str | None] = mapped_column(String(100))
    #: a phó hiệu trưởng may approve class closes by delegation of the hiệu trưởng
    close_delegate_allowed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: a GVCN's monthly report (báo cáo tháng) is published only after a BGH member approves it
    month_approval_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The hiệu trưởng is not a column here: YearPrincipal keeps one per year, with history
    # (queries.principal_of), defaulting to the user holding the Hiệu trưởng role.


class SchoolYear(TimestampMixin, Base):
    __tablename__ = "school_year"
    __table_args__ = (CheckConstraint("end_year = start_year + 1", name="consecutive_years"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    start_year: Mapped[int] = mapped_column(Integer, unique=True)
    end_year: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)

    terms: Mapped[list[Term]] = relationship(
        back_populates="year", order_by="Term.number", cascade="all, delete-orphan"
    )

    @property
    def name(self) -> str:
        return f"{self.start_year}-{self.end_year}"

    def contains(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class YearPrincipal(TimestampMixin, Base):
    """The hiệu trưởng of a school year from a date (the year's first day unless the
    principal changed during the year), with the name as printed that year."""

    __tablename__ = "year_principal"
    __table_args__ = (UniqueConstraint("year_id", "start_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id", ondelete="CASCADE"), index=True)
    #: the account, when the person has one (a past year's principal may have none)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    start_date: Mapped[date] = mapped_column(Date)

    year: Mapped[SchoolYear] = relationship()
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])


class Term(Base):
    __tablename__ = "term"
    __table_args__ = (
        UniqueConstraint("year_id", "number"),
        CheckConstraint("number IN (1, 2)", name="term_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # R17: after this date the term's grade books are read-only (corrections only)
    lock_date: Mapped[date | None] = mapped_column(Date)

    year: Mapped[SchoolYear] = relationship(back_populates="terms")

    @property
    def name(self) -> str:
        return term_name(self.number)


def term_name(number: int) -> str:
    """A term's name from its number (lists that read rows, not Term objects, use it too)."""
    return "Học kỳ I" if number == 1 else "Học kỳ II"


class Department(TimestampMixin, Base):
    """Tổ chuyên môn."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    head_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", use_alter=True), index=True)
    deputy_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", use_alter=True), index=True)

    head: Mapped[User | None] = relationship(foreign_keys=[head_id])
    deputy: Mapped[User | None] = relationship(foreign_keys=[deputy_id])
    subjects: Mapped[list[Subject]] = relationship(back_populates="department", order_by="Subject.sort_order")


class AssessmentKind(enum.StrEnum):
    SCORE = "score"  # điểm số 0–10
    COMMENT = "comment"  # nhận xét Đ / CĐ

    @property
    def label(self) -> str:
        return "Đánh giá bằng điểm số" if self is AssessmentKind.SCORE else "Đánh giá bằng nhận xét"


#: readable short names for the CT GDPT 2018 subjects, for narrow table headers
SHORT_NAMES = {
    "VAN": "Văn", "TOAN": "Toán", "TA": "Anh", "NN1": "Anh", "GDCD": "GDCD", "LSDL": "Sử–Địa",
    "KHTN": "KHTN", "CN": "C.nghệ", "TIN": "Tin", "GDTC": "GDTC", "AN": "Â.nhạc", "MT": "M.thuật",
    "HDTN": "HĐTN", "GDDP": "GDĐP", "LI": "Lí", "HOA": "Hoá", "SINH": "Sinh", "SU": "Sử",
    "DIA": "Địa", "GDQPAN": "QP–AN", "GDKTPL": "KT–PL",
}  # fmt: skip


class Subject(TimestampMixin, Base):
    __tablename__ = "subject"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    assessment_kind: Mapped[str] = mapped_column(String(10), default=AssessmentKind.SCORE.value)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    department: Mapped[Department | None] = relationship(back_populates="subjects")
    periods: Mapped[list[SubjectPeriods]] = relationship(
        back_populates="subject", cascade="all, delete-orphan", order_by="SubjectPeriods.grade_level"
    )

    @property
    def is_comment(self) -> bool:
        return self.assessment_kind == AssessmentKind.COMMENT.value

    @property
    def short_name(self) -> str:
        """'Sử–Địa' for a table header; the full name when it is short or has no known short form."""
        if self.code.upper() in SHORT_NAMES:
            return SHORT_NAMES[self.code.upper()]
        return self.name if len(self.name) <= 12 else self.name.split(" (")[0][:12].rstrip()

    def periods_for(self, grade_level: int) -> int | None:
        for row in self.periods:
            if row.grade_level == grade_level:
                return row.periods_per_year
        return None


class SubjectPeriods(Base):
    """Periods per year of a subject in one grade level (fixes the ĐĐGtx count, TT22 Điều 7)."""

    __tablename__ = "subject_periods"
    __table_args__ = (
        UniqueConstraint("subject_id", "grade_level"),
        CheckConstraint("grade_level BETWEEN 6 AND 12", name="grade_level"),
        CheckConstraint("periods_per_year > 0", name="positive_periods"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"))
    grade_level: Mapped[int] = mapped_column(Integer)
    periods_per_year: Mapped[int] = mapped_column(Integer)

    subject: Mapped[Subject] = relationship(back_populates="periods")


#: the khối a class may have (the check constraint below): THCS 6–9, THPT 10–12
GRADE_LEVELS = tuple(range(6, 13))


class SchoolClass(TimestampMixin, Base):
    __tablename__ = "school_class"
    __table_args__ = (
        UniqueConstraint("year_id", "name"),
        CheckConstraint("grade_level BETWEEN 6 AND 12", name="grade_level"),
        # the class list's order (khối, name) within a year: one page is read from the
        # index without sorting a district's 7,000 classes (migration 0020_scale_lists)
        Index("ix_school_class_year_order", "year_id", "grade_level", "name", "id"),
    )
    __audit_type__ = "class"

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"), index=True)
    name: Mapped[str] = mapped_column(String(20))
    grade_level: Mapped[int] = mapped_column(Integer)
    homeroom_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    year: Mapped[SchoolYear] = relationship()
    homeroom_teacher: Mapped[User | None] = relationship(foreign_keys=[homeroom_teacher_id])
    enrollments: Mapped[list[Enrollment]] = relationship(back_populates="school_class")
    assignments: Mapped[list[TeachingAssignment]] = relationship(back_populates="school_class")


class Gender(enum.StrEnum):
    MALE = "nam"
    FEMALE = "nu"

    @property
    def label(self) -> str:
        return "Nam" if self is Gender.MALE else "Nữ"


class Student(TimestampMixin, Base):
    __tablename__ = "student"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_code: Mapped[str] = mapped_column(String(30), unique=True)  # mã học sinh (trường)
    #: số đăng bộ (the school's register number, printed in the học bạ); unique when set
    register_number: Mapped[str | None] = mapped_column(String(30), unique=True, index=True)
    moet_id: Mapped[str | None] = mapped_column(String(30), unique=True)  # mã định danh Bộ
    last_name: Mapped[str] = mapped_column(String(60))  # họ
    middle_name: Mapped[str] = mapped_column(String(80), default="")  # chữ đệm
    first_name: Mapped[str] = mapped_column(String(40))  # tên
    full_name: Mapped[str] = mapped_column(String(180))
    birth_date: Mapped[date] = mapped_column(Date)
    gender: Mapped[str] = mapped_column(String(3))
    ethnicity: Mapped[str | None] = mapped_column(String(40))  # sensitive (Luật 91/2025)
    birthplace: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(250))  # chỗ ở hiện tại
    national_id: Mapped[str | None] = mapped_column(String(12), unique=True)  # R27, masked
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    guardians: Mapped[list[Guardian]] = relationship(
        back_populates="student", cascade="all, delete-orphan", order_by="Guardian.id"
    )
    enrollments: Mapped[list[Enrollment]] = relationship(
        back_populates="student", order_by="[Enrollment.start_date, Enrollment.id]"
    )
    prior_schooling: Mapped[list[PriorSchooling]] = relationship(
        back_populates="student", cascade="all, delete-orphan", order_by="[PriorSchooling.year_name, PriorSchooling.id]"
    )

    @property
    def sort_key(self) -> tuple[str, str, str, date]:
        return person_sort_key(self.last_name, self.middle_name, self.first_name, self.birth_date)

    @property
    def masked_national_id(self) -> str:
        return mask_national_id(self.national_id)

    @property
    def gender_label(self) -> str:
        return Gender(self.gender).label


class EnrollmentEnd(enum.StrEnum):
    """Why an enrollment ended."""

    MOVED = "chuyen_lop"  # to another class of the school (a new enrollment follows)
    TRANSFERRED = "chuyen_truong"  # to another school
    DROPPED_OUT = "thoi_hoc"  # left school

    @property
    def label(self) -> str:
        return {"chuyen_lop": "Chuyển lớp", "chuyen_truong": "Chuyển trường", "thoi_hoc": "Thôi học"}[self.value]


#: the SQL condition of an enrollment on the current roster (not ended)
OPEN_ENROLLMENT = "end_date IS NULL"


class Enrollment(Base):
    """A student in a class, from `start_date` to `end_date` (the last day, inclusive).

    Every enrollment is kept: a class change ends the old one the day before the move and
    opens a new one; leaving school ends it with a reason. At most one enrollment of a
    student per year is open (end_date NULL): the open ones are the current rosters.
    """

    __tablename__ = "enrollment"
    __table_args__ = (
        Index(
            "uq_enrollment_open_student_year",
            "student_id",
            "year_id",
            unique=True,
            sqlite_where=text(OPEN_ENROLLMENT),
            postgresql_where=text(OPEN_ENROLLMENT),
        ),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        CheckConstraint("(end_date IS NULL) = (end_kind IS NULL)", name="end_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("school_year.id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    end_kind: Mapped[str | None] = mapped_column(String(20))  # EnrollmentEnd
    end_reason: Mapped[str | None] = mapped_column(String(300))

    student: Mapped[Student] = relationship(back_populates="enrollments")
    school_class: Mapped[SchoolClass] = relationship(back_populates="enrollments")

    @property
    def is_open(self) -> bool:
        return self.end_date is None

    @property
    def end_label(self) -> str:
        return EnrollmentEnd(self.end_kind).label if self.end_kind else ""

    def covers(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class PriorSchooling(TimestampMixin, Base):
    """A year of the student's "quá trình học tập" at another school (entered by the
    quản trị for a student who transferred in)."""

    __tablename__ = "prior_schooling"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    year_name: Mapped[str] = mapped_column(String(9))  # "2022-2023"
    class_name: Mapped[str] = mapped_column(String(20))
    school_name: Mapped[str] = mapped_column(String(200))
    place: Mapped[str | None] = mapped_column(String(200))  # "huyện Cầu Kè, tỉnh Trà Vinh"

    student: Mapped[Student] = relationship(back_populates="prior_schooling")


class GuardianRelation(enum.StrEnum):
    FATHER = "cha"
    MOTHER = "me"
    GUARDIAN = "giam_ho"

    @property
    def label(self) -> str:
        return {"cha": "Cha", "me": "Mẹ", "giam_ho": "Người giám hộ"}[self.value]


class Guardian(TimestampMixin, Base):
    __tablename__ = "guardian"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("student.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(10))
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str | None] = mapped_column(String(20))
    occupation: Mapped[str | None] = mapped_column(String(120))
    birth_year: Mapped[int | None] = mapped_column(Integer)

    student: Mapped[Student] = relationship(back_populates="guardians")

    @property
    def relation_label(self) -> str:
        return GuardianRelation(self.relation).label


class TeachingAssignment(TimestampMixin, Base):
    """Phân công giảng dạy: one teacher teaches one subject to one class (in its year)."""

    __tablename__ = "teaching_assignment"
    __table_args__ = (UniqueConstraint("class_id", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("school_class.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)

    teacher: Mapped[User] = relationship(foreign_keys=[teacher_id])
    school_class: Mapped[SchoolClass] = relationship(back_populates="assignments")
    subject: Mapped[Subject] = relationship()


class SchoolSetting(Base):
    """Key/value school settings (e.g. TT22 readings marked [?] in DOMAIN.md)."""

    __tablename__ = "school_setting"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


@cache
def _led_stmt() -> Select[int]:
    """Built once per process: every signed-in request asks (User.roles)."""
    user_id: BindParameter[int] = bindparam("user_id")
    return select(Department.id).where(or_(Department.head_id == user_id, Department.deputy_id == user_id))


def led_department_ids(user_id: int) -> list[int]:
    """The departments a user heads or deputises (User.roles adds tổ trưởng for them)."""
    from app.extensions import db

    key = ("led_department_ids", user_id)
    return list(memo(key, lambda: list(db.session.scalars(_led_stmt(), {"user_id": user_id}))))


register_department_lookup(led_department_ids)
