"""Forms of the school admin screens (and of staff accounts, which need the tổ list).

Every message is Vietnamese and says what to fix. Fields come from core.forms: ids are
bounded (a 30-digit id is a field error, never a database OverflowError), dates say
whether they have the wrong shape or do not exist. Every form that edits stored data
has `SubmittedFields` first in its bases: a POST that omits one of its fields is a 422
naming the field, never read as "clear" — clearing is the explicit blank choice.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, Field, Form, FormField, PasswordField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from app.core import vn
from app.core.authz import ASSIGNABLE_ROLES, Role
from app.core.forms import (
    CHOOSE,
    REQUIRED,
    IdSelectField,
    SubmittedFields,
    VNIntegerField,
    VNSelectField,
    choices,
    date_field,
    text_field,
)
from app.school.models import AssessmentKind, EnrollmentEnd, Gender, GuardianRelation


def phone_check(_form: Any, field: Field) -> None:
    """Normalise a phone number in place ('091 234 5678' → '0912345678') or refuse it."""
    try:
        field.data = vn.normalise_phone(field.data) or ""
    except ValueError as exc:
        raise ValidationError(str(exc)) from exc


class SchoolInfoForm(SubmittedFields, FlaskForm):
    name = text_field("Tên trường", 200, required=True)
    code = text_field("Mã trường", 30, required=True)
    level = VNSelectField(
        "Cấp học", choices=choices([("THCS", "THCS"), ("THPT", "THPT"), ("THCS-THPT", "THCS và THPT")])
    )
    province = text_field("Tỉnh/thành phố", 100, required=True)
    district = text_field("Quận/huyện", 100)
    address = text_field("Địa chỉ", 250)
    phone = text_field("Điện thoại", 30)
    governing_body = text_field(
        "Cơ quan chủ quản", 200, render_kw={"placeholder": "Phòng Giáo dục và Đào tạo huyện Cầu Ngang"}
    )
    place_name = text_field("Địa danh ghi ở dòng ngày tháng", 100, render_kw={"placeholder": "Cầu Ngang"})
    close_delegate_allowed = BooleanField("Phó hiệu trưởng được duyệt khoá sổ lớp (theo uỷ quyền của hiệu trưởng)")
    month_approval_required = BooleanField("Báo cáo tháng của lớp cần Ban giám hiệu duyệt trước khi công bố")

    def school_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.data.items() if k != "csrf_token"}
        data["close_delegate_allowed"] = bool(data["close_delegate_allowed"])
        data["month_approval_required"] = bool(data["month_approval_required"])
        return data


class YearForm(SubmittedFields, FlaskForm):
    start_year = VNIntegerField(
        "Năm bắt đầu",
        validators=[
            InputRequired(REQUIRED.format("năm bắt đầu (ví dụ 2025)")),
            NumberRange(2000, 2100, "Năm bắt đầu phải trong khoảng 2000–2100."),
        ],
        render_kw={"inputmode": "numeric", "placeholder": "2025"},
    )
    start_date = date_field("Ngày bắt đầu năm học")
    end_date = date_field("Ngày kết thúc năm học")
    term1_start = date_field("Học kỳ I từ ngày")
    term1_end = date_field("Học kỳ I đến ngày")
    term2_start = date_field("Học kỳ II từ ngày")
    term2_end = date_field("Học kỳ II đến ngày")
    make_current = BooleanField("Đặt làm năm học hiện tại", default=True)

    def year_fields(self) -> dict[str, Any]:
        """The arguments of services.create_year (the form is valid: nothing is missing)."""
        terms = ((self.term1_start.data, self.term1_end.data), (self.term2_start.data, self.term2_end.data))
        return {
            "start_year": self.start_year.data,
            "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "term_dates": terms,
            "make_current": bool(self.make_current.data),
        }


class TermForm(SubmittedFields, FlaskForm):
    start_date = date_field("Từ ngày")
    end_date = date_field("Đến ngày")
    lock_date = date_field("Khoá sổ từ ngày", required=False)

    def term_fields(self) -> dict[str, Any]:
        return {"start_date": self.start_date.data, "end_date": self.end_date.data, "lock_date": self.lock_date.data}


class DepartmentForm(SubmittedFields, FlaskForm):
    name = text_field("Tên tổ chuyên môn", 120, required=True)
    head_id = IdSelectField("Tổ trưởng")
    deputy_id = IdSelectField("Tổ phó")

    def validate_deputy_id(self, field: Field) -> None:
        if field.data and field.data == self.head_id.data:
            raise ValidationError("Tổ phó phải khác tổ trưởng.")

    def department_fields(self) -> dict[str, Any]:
        return {"name": self.name.data, "head_id": self.head_id.data, "deputy_id": self.deputy_id.data}


PERIOD_MESSAGE = "Số tiết/năm phải từ 1 đến 400 (để trống nếu khối không học môn này)."


def _periods(grade: int) -> VNIntegerField:
    return VNIntegerField(f"Khối {grade}", validators=[Optional(), NumberRange(1, 400, PERIOD_MESSAGE)])


class SubjectForm(SubmittedFields, FlaskForm):
    code = text_field("Mã môn", 30, required=True)
    name = text_field("Tên môn", 120, required=True)
    assessment_kind = VNSelectField("Hình thức đánh giá", choices=choices([(k.value, k.label) for k in AssessmentKind]))
    department_id = IdSelectField("Tổ chuyên môn")
    sort_order = VNIntegerField(
        "Thứ tự hiển thị", validators=[Optional(), NumberRange(0, 1000, "Thứ tự hiển thị là số từ 0 đến 1000.")]
    )
    p6 = _periods(6)
    p7 = _periods(7)
    p8 = _periods(8)
    p9 = _periods(9)
    p10 = _periods(10)
    p11 = _periods(11)
    p12 = _periods(12)

    GRADES = range(6, 13)

    def periods(self) -> dict[int, int]:
        return {g: getattr(self, f"p{g}").data for g in self.GRADES if getattr(self, f"p{g}").data}

    def validate_p12(self, _field: Field) -> None:
        if not self.periods():
            raise ValidationError("Nhập số tiết/năm cho ít nhất một khối.")

    def subject_fields(self) -> dict[str, Any]:
        """The arguments of services.update_subject (create also takes code and sort order)."""
        return {
            "name": self.name.data,
            "assessment_kind": self.assessment_kind.data,
            "department_id": self.department_id.data,
            "periods": self.periods(),
        }


class ClassForm(SubmittedFields, FlaskForm):
    year_id = IdSelectField("Năm học", validators=[InputRequired(CHOOSE.format("năm học"))])
    grade_level = IdSelectField(
        "Khối",
        validators=[InputRequired(CHOOSE.format("khối"))],
        choices=choices([(g, f"Khối {g}") for g in range(6, 13)], "— chọn —"),
    )
    name = text_field("Tên lớp", 20, required=True, render_kw={"placeholder": "6A1"})
    homeroom_teacher_id = IdSelectField("GVCN")

    def validate_grade_level(self, field: Field) -> None:
        if field.data is None:
            raise ValidationError(CHOOSE.format("khối"))


class HomeroomForm(SubmittedFields, FlaskForm):
    """The GVCN cell: "— chưa có GVCN —" (blank) removes the GVCN; a missing field is a 422."""

    homeroom_teacher_id = IdSelectField("GVCN")


class AssignmentCellForm(SubmittedFields, FlaskForm):
    """One cell of the assignment grid: "— chưa phân công —" removes; a missing field is a 422."""

    teacher_id = IdSelectField("Giáo viên")


NATIONAL_ID_MESSAGE = "Số định danh cá nhân phải gồm đúng 12 chữ số."


class GuardianForm(Form):
    full_name = text_field("Họ tên", 120)
    phone = text_field("Điện thoại", 20)
    occupation = text_field("Nghề nghiệp", 120)

    def validate_phone(self, field: Field) -> None:
        phone_check(self, field)
        if field.data and not (self.full_name.data or "").strip():
            raise ValidationError("Có số điện thoại thì cần ghi cả họ tên.")


STUDENT_KEYS = (
    "student_code",
    "register_number",
    "moet_id",
    "last_name",
    "middle_name",
    "first_name",
    "birth_date",
    "gender",
    "ethnicity",
    "birthplace",
    "address",
    "national_id",
)


WRITE_ONLY_HINT = "Đã ẩn (dữ liệu nhạy cảm) — để trống để giữ nguyên, hoặc nhập giá trị mới"


class StudentForm(SubmittedFields, FlaskForm):
    student_code = text_field("Mã học sinh", 30, required=True)
    register_number = text_field("Số đăng bộ", 30)
    moet_id = text_field("Mã định danh Bộ GD&ĐT", 30)
    last_name = text_field("Họ", 60, required=True)
    middle_name = text_field("Chữ đệm", 80)
    first_name = text_field("Tên", 40, required=True)
    birth_date = date_field("Ngày sinh")
    gender = VNSelectField(
        "Giới tính",
        choices=choices([(g.value, g.label) for g in Gender], "— chọn —"),
        validators=[DataRequired(CHOOSE.format("giới tính"))],
    )
    ethnicity = text_field("Dân tộc", 40)
    birthplace = text_field("Nơi sinh", 200)
    address = text_field("Chỗ ở hiện tại", 250)
    national_id = StringField(
        "Số định danh cá nhân",
        validators=[Optional(), Regexp(r"^\d{12}$", message=NATIONAL_ID_MESSAGE)],
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    father = FormField(GuardianForm, GuardianRelation.FATHER.label)
    mother = FormField(GuardianForm, GuardianRelation.MOTHER.label)
    guardian = FormField(GuardianForm, GuardianRelation.GUARDIAN.label)

    #: the stored mã định danh Bộ: once set it cannot change (TT42/2021 Điều 10)
    locked_moet_id: str | None = None
    #: fields this user may write but not read back (the quản trị and sensitive data)
    write_only: frozenset[str] = frozenset()

    def hide_stored(self, keys: frozenset[str]) -> None:
        """Blank the stored values of keys; an empty answer then keeps what is stored."""
        self.write_only = keys
        for key in keys:
            field = getattr(self, key)
            if field.data and not field.raw_data:
                field.data = ""
            field.render_kw = {**(field.render_kw or {}), "placeholder": WRITE_ONLY_HINT}

    def validate_moet_id(self, field: Field) -> None:
        if self.locked_moet_id and (field.data or "").strip() != self.locked_moet_id:
            field.data = self.locked_moet_id
            raise ValidationError("Mã định danh Bộ GD&ĐT đã được cấp thì không được thay đổi.")

    def student_fields(self) -> dict[str, Any]:
        data = {k: getattr(self, k).data for k in STUDENT_KEYS}
        for key in self.write_only:
            if not data.get(key):
                data.pop(key, None)  # left empty: the stored value stays
        data["full_name"] = vn.join_name(data["last_name"], data["middle_name"], data["first_name"])
        return data

    def enrolled_on(self) -> date | None:
        """A new student's first day in the class (NewStudentForm); None: the year's first day."""
        return None

    def guardian_entries(self) -> dict[str, dict[str, Any] | None]:
        return {
            GuardianRelation.FATHER.value: self.father.data,
            GuardianRelation.MOTHER.value: self.mother.data,
            GuardianRelation.GUARDIAN.value: self.guardian.data,
        }


class NewStudentForm(StudentForm):
    """A student joining a class: from the year's first day, or the day they arrive."""

    enrolled_from = date_field("Vào lớp từ ngày (để trống: từ đầu năm học)", required=False)

    def enrolled_on(self) -> date | None:
        return self.enrolled_from.data


class MoveForm(SubmittedFields, FlaskForm):
    """Chuyển lớp: another class of the same year, from a day."""

    class_id = IdSelectField("Chuyển sang lớp", validators=[InputRequired(CHOOSE.format("lớp chuyển đến"))])
    on = date_field("Từ ngày")

    def on_date(self) -> date:
        assert self.on.data is not None  # required: validated
        return self.on.data

    def validate_class_id(self, field: Field) -> None:
        if field.data is None:
            raise ValidationError(CHOOSE.format("lớp chuyển đến"))


LEAVING_CHOICES = [(EnrollmentEnd.TRANSFERRED.value, "Chuyển trường"), (EnrollmentEnd.DROPPED_OUT.value, "Thôi học")]


class LeaveForm(SubmittedFields, FlaskForm):
    """Học sinh chuyển trường / thôi học, from a day, with the reason."""

    kind = VNSelectField(
        "Hình thức",
        choices=choices(LEAVING_CHOICES, "— chọn —"),
        validators=[DataRequired(CHOOSE.format("chuyển trường hay thôi học"))],
    )
    on = date_field("Từ ngày")
    reason = text_field(
        "Lý do", 300, required=True, render_kw={"placeholder": "Chuyển đến trường THCS … theo đơn của gia đình"}
    )

    def on_date(self) -> date:
        assert self.on.data is not None  # required: validated
        return self.on.data


class SchoolingForm(SubmittedFields, FlaskForm):
    """A year of quá trình học tập at another school."""

    year_name = StringField(
        "Năm học",
        validators=[
            DataRequired(REQUIRED.format("năm học (ví dụ 2023-2024)")),
            Regexp(r"^\s*\d{4}\s*[-–]\s*\d{4}\s*$", message="Năm học phải có dạng 2023-2024."),
        ],
        render_kw={"placeholder": "2023-2024"},
    )
    class_name = text_field("Lớp", 20, required=True, render_kw={"placeholder": "6A2"})
    school_name = text_field("Trường", 200, required=True, render_kw={"placeholder": "Trường THCS Mỹ Long"})
    place = text_field("Nơi (huyện, tỉnh)", 200, render_kw={"placeholder": "huyện Cầu Ngang, tỉnh Trà Vinh"})

    def schooling_fields(self) -> dict[str, Any]:
        return {k: self[k].data for k in ("year_name", "class_name", "school_name", "place")}


class YearPrincipalForm(SubmittedFields, FlaskForm):
    """The hiệu trưởng of a year: an account, the name as printed, from which day."""

    user_id = IdSelectField("Tài khoản hiệu trưởng")
    full_name = text_field("Họ tên in trên hồ sơ (để trống: theo tài khoản)", 120)
    start_date = date_field("Nhận nhiệm vụ từ ngày (để trống: từ đầu năm học)", required=False)

    def validate_full_name(self, field: Field) -> None:
        if not (field.data or "").strip() and self.user_id.data is None:
            raise ValidationError("Chọn tài khoản hiệu trưởng hoặc ghi họ tên hiệu trưởng.")

    def principal_fields(self) -> dict[str, Any]:
        return {"user_id": self.user_id.data, "full_name": self.full_name.data, "start_date": self.start_date.data}


class ImportUploadForm(FlaskForm):
    file = FileField(
        "Tệp Excel (.xlsx)",
        validators=[FileRequired("Vui lòng chọn tệp .xlsx để tải lên.")],
        render_kw={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    class_id = IdSelectField("Lớp")


# --- staff accounts (quản trị) -------------------------------------------------------------

USERNAME_MESSAGE = "Tên đăng nhập gồm 2–60 ký tự: chữ không dấu, số, dấu chấm hoặc gạch dưới (ví dụ: lan.nt)."


class RoleCheckboxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [SelectChoice(r.value, r.label) for r in ASSIGNABLE_ROLES])
        kwargs.setdefault("invalid_choice_message", "Vai trò '%(value)s' không hợp lệ.")
        kwargs.setdefault("invalid_value_message", "Vai trò không hợp lệ.")
        super().__init__(label, validators, **kwargs)


class StaffForm(SubmittedFields, FlaskForm):
    full_name = StringField(
        "Họ và tên",
        validators=[
            DataRequired(REQUIRED.format("họ và tên")),
            Length(max=120, message="Họ và tên dài tối đa 120 ký tự."),
        ],
    )
    username = StringField(
        "Tên đăng nhập",
        validators=[
            DataRequired(REQUIRED.format("tên đăng nhập")),
            Regexp(r"^[A-Za-z0-9._]{2,60}$", message=USERNAME_MESSAGE),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    email = StringField(
        "Email",
        validators=[
            Optional(),
            Length(max=120, message="Email dài tối đa 120 ký tự."),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Email không hợp lệ (ví dụ: lan@truong.edu.vn)."),
        ],
    )
    phone = StringField("Điện thoại", validators=[Optional(), phone_check], render_kw={"inputmode": "tel"})
    position = StringField("Chức vụ", validators=[Optional(), Length(max=80, message="Chức vụ dài tối đa 80 ký tự.")])
    department_id = IdSelectField("Tổ chuyên môn")
    roles = RoleCheckboxes("Vai trò")

    def validate_roles(self, field: Field) -> None:
        if not field.data:
            raise ValidationError("Chọn ít nhất một vai trò.")

    def account_fields(self) -> dict[str, Any]:
        """The arguments of accounts.services.update_user (create also takes the username)."""
        return {
            "full_name": self.full_name.data,
            "email": self.email.data or None,
            "phone": self.phone.data or None,
            "position": self.position.data or None,
            "department_id": self.department_id.data,
            "roles": tuple(Role(r) for r in self.roles.data),
        }


class StaffPasswordForm(SubmittedFields, FlaskForm):
    """Admin reset: an empty value (sent explicitly) generates a random temporary password."""

    temporary_password = PasswordField(
        "Mật khẩu tạm (để trống để tạo ngẫu nhiên)",
        validators=[Optional(), Length(min=8, max=128, message="Mật khẩu tạm cần từ 8 đến 128 ký tự.")],
        render_kw={"autocomplete": "new-password"},
    )


class StaffCreateForm(StaffForm, StaffPasswordForm):
    pass


class StaffActiveForm(SubmittedFields, FlaskForm):
    active = IdSelectField("Trạng thái", choices=[SelectChoice("1", "Hoạt động"), SelectChoice("0", "Khoá")])
