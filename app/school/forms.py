"""Forms of the school admin screens. Every message is Vietnamese and says what to fix."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, Field, Form, FormField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from app.core import vn
from app.school.models import AssessmentKind, Gender, GuardianRelation
from app.school.services import SchoolError, normalise_phone

REQUIRED = "Vui lòng nhập {}."
CHOOSE = "Vui lòng chọn {}."
INVALID_CHOICE = "Lựa chọn không hợp lệ; hãy chọn lại trong danh sách."


def optional_int(value: Any) -> int | None:
    if value in (None, "", "None"):
        return None
    return int(value)


def choices(pairs: list[tuple[Any, str]], blank: str | None = None) -> list[SelectChoice]:
    items = [SelectChoice("", blank)] if blank is not None else []
    return items + [SelectChoice(str(value), label) for value, label in pairs]


class VNSelectField(SelectField):
    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", INVALID_CHOICE)
        kwargs.setdefault("invalid_value_message", INVALID_CHOICE)
        super().__init__(label, validators, **kwargs)


class IdSelectField(VNSelectField):
    """A select of database ids, with an optional blank ("— chưa chọn —") as None."""

    def __init__(self, label: str | None = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", optional_int)
        super().__init__(label, validators, **kwargs)


class VNDateField(StringField):
    """dd/mm/yyyy in and out; a clear Vietnamese message for 31/02/2012 or '12-2012'."""

    def process_formdata(self, valuelist: list[str]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.raw_text = raw
        if not raw:
            self.data = None
            return
        try:
            self.data = vn.parse_date(raw)
        except ValueError as exc:
            self.data = None
            raise ValueError(f"Ngày '{raw}' không hợp lệ; nhập theo dạng dd/mm/yyyy, ví dụ 05/09/2024.") from exc

    def _value(self) -> str:
        if isinstance(self.data, date):
            return vn.format_date(self.data)
        return getattr(self, "raw_text", "") or ""


class VNIntegerField(StringField):
    def process_formdata(self, valuelist: list[str]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.raw_text = raw
        if not raw:
            self.data = None
            return
        if not raw.isdigit():
            self.data = None
            raise ValueError(f"'{raw}' không phải số nguyên.")
        self.data = int(raw)

    def _value(self) -> str:
        return str(self.data) if self.data is not None else getattr(self, "raw_text", "")


def date_field(label: str, required: bool = True) -> VNDateField:
    validators = [InputRequired(REQUIRED.format(label.lower()))] if required else [Optional()]
    return VNDateField(label, validators=validators, render_kw={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"})


def text_field(label: str, maximum: int, required: bool = False, **kw: Any) -> StringField:
    validators: list[Any] = [DataRequired(REQUIRED.format(label.lower()))] if required else [Optional()]
    validators.append(Length(max=maximum, message=f"{label} dài tối đa {maximum} ký tự."))
    return StringField(label, validators=validators, **kw)


def phone_check(_form: Any, field: Field) -> None:
    try:
        field.data = normalise_phone(field.data) or ""
    except SchoolError as exc:
        raise ValidationError(str(exc)) from exc


class SchoolInfoForm(FlaskForm):
    name = text_field("Tên trường", 200, required=True)
    code = text_field("Mã trường", 30, required=True)
    level = VNSelectField(
        "Cấp học", choices=choices([("THCS", "THCS"), ("THPT", "THPT"), ("THCS-THPT", "THCS và THPT")])
    )
    province = text_field("Tỉnh/thành phố", 100, required=True)
    district = text_field("Quận/huyện", 100)
    address = text_field("Địa chỉ", 250)
    phone = text_field("Điện thoại", 30)
    principal_name = text_field("Họ tên hiệu trưởng", 120)


class YearForm(FlaskForm):
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


class TermForm(FlaskForm):
    start_date = date_field("Từ ngày")
    end_date = date_field("Đến ngày")
    lock_date = date_field("Khoá sổ từ ngày", required=False)


class DepartmentForm(FlaskForm):
    name = text_field("Tên tổ chuyên môn", 120, required=True)
    head_id = IdSelectField("Tổ trưởng")
    deputy_id = IdSelectField("Tổ phó")

    def validate_deputy_id(self, field: Field) -> None:
        if field.data and field.data == self.head_id.data:
            raise ValidationError("Tổ phó phải khác tổ trưởng.")


PERIOD_MESSAGE = "Số tiết/năm phải từ 1 đến 400 (để trống nếu khối không học môn này)."


class SubjectForm(FlaskForm):
    code = text_field("Mã môn", 30, required=True)
    name = text_field("Tên môn", 120, required=True)
    assessment_kind = VNSelectField("Hình thức đánh giá", choices=choices([(k.value, k.label) for k in AssessmentKind]))
    department_id = IdSelectField("Tổ chuyên môn")
    sort_order = VNIntegerField(
        "Thứ tự hiển thị", validators=[Optional(), NumberRange(0, 1000, "Thứ tự hiển thị là số từ 0 đến 1000.")]
    )
    p6 = VNIntegerField("Khối 6", validators=[Optional(), NumberRange(1, 400, PERIOD_MESSAGE)])
    p7 = VNIntegerField("Khối 7", validators=[Optional(), NumberRange(1, 400, PERIOD_MESSAGE)])
    p8 = VNIntegerField("Khối 8", validators=[Optional(), NumberRange(1, 400, PERIOD_MESSAGE)])
    p9 = VNIntegerField("Khối 9", validators=[Optional(), NumberRange(1, 400, PERIOD_MESSAGE)])
    p10 = VNIntegerField("Khối 10", validators=[Optional(), NumberRange(1, 400, PERIOD_MESSAGE)])
    p11 = VNIntegerField("Khối 11", validators=[Optional(), NumberRange(1, 400, PERIOD_MESSAGE)])
    p12 = VNIntegerField("Khối 12", validators=[Optional(), NumberRange(1, 400, PERIOD_MESSAGE)])

    GRADES = range(6, 13)

    def periods(self) -> dict[int, int]:
        return {g: getattr(self, f"p{g}").data for g in self.GRADES if getattr(self, f"p{g}").data}

    def validate_p12(self, _field: Field) -> None:
        if not self.periods():
            raise ValidationError("Nhập số tiết/năm cho ít nhất một khối.")


class ClassForm(FlaskForm):
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


class HomeroomForm(FlaskForm):
    homeroom_teacher_id = IdSelectField("GVCN")


class AssignmentCellForm(FlaskForm):
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


class StudentForm(FlaskForm):
    student_code = text_field("Mã học sinh", 30, required=True)
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

    def validate_moet_id(self, field: Field) -> None:
        if self.locked_moet_id and (field.data or "").strip() != self.locked_moet_id:
            field.data = self.locked_moet_id
            raise ValidationError("Mã định danh Bộ GD&ĐT đã được cấp thì không được thay đổi.")

    def student_fields(self) -> dict[str, Any]:
        keys = (
            "student_code",
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
        data = {k: getattr(self, k).data for k in keys}
        data["full_name"] = vn.join_name(data["last_name"], data["middle_name"], data["first_name"])
        return data

    def guardian_entries(self) -> dict[str, dict[str, Any]]:
        return {
            GuardianRelation.FATHER.value: self.father.data,
            GuardianRelation.MOTHER.value: self.mother.data,
            GuardianRelation.GUARDIAN.value: self.guardian.data,
        }


class ImportUploadForm(FlaskForm):
    file = FileField(
        "Tệp Excel (.xlsx)",
        validators=[FileRequired("Vui lòng chọn tệp .xlsx để tải lên.")],
        render_kw={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    class_id = IdSelectField("Lớp")
