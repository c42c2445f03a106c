"""Forms of the class book. Every id and version is bounded (core.forms.IdField: a 30-digit
value is a field error → 422); scope — a student or term of this class — is checked by the
scoped loaders in queries.py (404). The forms that edit a stored row refuse a POST that
leaves one of their fields out (SubmittedFields): a missing level or text is never read as
"clear"; clearing is the explicit blank choice ("—", an empty text)."""

from __future__ import annotations

from wtforms import FileField, Form, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.core.forms import SubmittedFields, VNSelectField, choices
from app.gradebook.forms import (
    DecisionForm,
    IsoDateField,
    RequiredIsoDateField,
    WithdrawForm,
    id_field,
    optional_id_field,
    required,
)
from app.gradebook.values import LEVEL_CHOICES
from app.homeroom.models import CORRECTION_FIELDS

__all__ = [
    "LEVEL_CHOICES",
    "AttendanceForm",
    "ConductForm",
    "CorrectionForm",
    "DecisionForm",
    "ExemptionForm",
    "RemarkForm",
    "RetestForm",
    "SummerConductForm",
    "WithdrawForm",
]


class ConductForm(SubmittedFields, Form):
    student_id = id_field("Học sinh")
    term_id = id_field("Học kỳ")
    level = VNSelectField("Mức rèn luyện", choices=choices(LEVEL_CHOICES, blank="—"), validators=[Optional()])
    version = id_field("Phiên bản")


class RemarkForm(SubmittedFields, Form):
    student_id = id_field("Học sinh")
    term_id = id_field("Học kỳ")
    text = TextAreaField("Nhận xét", validators=[Length(max=2000, message="Nhận xét tối đa 2000 ký tự.")])
    version = id_field("Phiên bản")


class AttendanceForm(Form):
    student_id = id_field("Học sinh")
    day = RequiredIsoDateField("Ngày", validators=[required("ngày")])
    status = VNSelectField(
        "Điểm danh",
        choices=choices([("present", "Có mặt"), ("excused", "Nghỉ có phép"), ("unexcused", "Nghỉ không phép")]),
    )
    index = optional_id_field("Số thứ tự")  # the row's position on the page, shown again


class SummerConductForm(SubmittedFields, Form):
    """Rèn luyện trong kỳ nghỉ hè (R11 (2))."""

    student_id = id_field("Học sinh")
    value = StringField("Mức rèn luyện sau hè", validators=[Length(max=30)])
    version = id_field("Phiên bản")


class RetestForm(SubmittedFields, Form):
    """A kiểm tra lại result (R11 (3)) in one subject."""

    student_id = id_field("Học sinh")
    subject_id = id_field("Môn")
    value = StringField("Kết quả kiểm tra lại", validators=[Length(max=30, message="Kết quả quá dài.")])
    version = id_field("Phiên bản")


class ExemptionForm(Form):
    student_id = id_field("Học sinh")
    subject_id = id_field("Môn")
    term_id = optional_id_field("Học kỳ")  # blank: the whole school year
    reason = TextAreaField(
        "Lý do (sức khoẻ)",
        validators=[
            DataRequired("Ghi lý do miễn phần thực hành."),
            Length(max=2000, message="Lý do tối đa 2000 ký tự."),
        ],
    )
    evidence = FileField("Giấy xác nhận của cơ sở y tế")


class CorrectionForm(Form):
    """Đề nghị điều chỉnh of a closed value: which one (field, student, and the term, day or
    subject it needs — checked against the class by the scoped loaders), the new value as
    typed, and the reason."""

    student_id = id_field("Học sinh")
    field = VNSelectField("Nội dung", choices=choices(list(CORRECTION_FIELDS.items())))
    term_id = optional_id_field("Học kỳ")
    day = IsoDateField("Ngày", validators=[Optional()])
    subject_id = optional_id_field("Môn")
    level = VNSelectField(
        "Mức rèn luyện mới", choices=choices(LEVEL_CHOICES, blank="—"), validators=[Optional()], default=""
    )
    status = VNSelectField(
        "Điểm danh mới",
        choices=choices([("present", "Có mặt"), ("excused", "Nghỉ có phép"), ("unexcused", "Nghỉ không phép")]),
        validators=[Optional()],
        default="present",
    )
    value = TextAreaField(
        "Nhận xét / kết quả kiểm tra lại mới",
        validators=[Length(max=2000, message="Giá trị mới tối đa 2000 ký tự.")],
    )
    reason = TextAreaField(
        "Lý do điều chỉnh",
        validators=[
            DataRequired("Ghi rõ lý do điều chỉnh."),
            Length(max=2000, message="Lý do tối đa 2000 ký tự."),
        ],
    )

    def new_value(self) -> str | None:
        """The new value the chosen field reads: a level, an attendance status or the text."""
        if self.field.data in ("conduct", "summer_conduct"):
            return self.level.data or None
        if self.field.data == "attendance":
            return self.status.data
        return self.value.data
