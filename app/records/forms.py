"""Forms of the records screens. Choices are always scoped to the user (a teacher is
offered only their own classes and subjects); anything else fails validation (422)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.records.models import MadeBy, StepKind

REQUIRED = "Vui lòng nhập {}."


def choices(pairs: list[tuple[object, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]  # type: ignore[arg-type]


DATE_MESSAGE = "Ngày không hợp lệ (chọn trong lịch hoặc nhập dd/mm/yyyy)."


class VersionField(HiddenField):
    """The row version the user saw; the service answers 409 if it changed since."""

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            self.data = int(valuelist[0]) if valuelist and valuelist[0] else None
        except ValueError:
            self.data = None


class RecordFieldsMixin:
    title = StringField("Tiêu đề", validators=[DataRequired(REQUIRED.format("tiêu đề")), Length(max=250)])
    week = IntegerField("Tuần", validators=[Optional(), NumberRange(1, 52, "Tuần từ 1 đến 52.")])
    lesson_no = IntegerField("Tiết / bài số", validators=[Optional(), NumberRange(1, 999, "Số tiết từ 1 đến 999.")])
    lesson_date = DateField("Ngày dạy", format=["%Y-%m-%d", "%d/%m/%Y"], validators=[Optional()])
    notes = TextAreaField("Ghi chú", validators=[Optional(), Length(max=4000)])


class NewRecordForm(RecordFieldsMixin, FlaskForm):
    record_type = HiddenField()
    assignment = SelectField("Lớp – môn", choices=[], validate_choice=True)
    files = MultipleFileField("Tệp đính kèm (PDF, DOCX, XLSX, PPTX)")

    def set_assignments(self, options: list[tuple[int, int, str]]) -> None:
        self.assignment.choices = choices(
            [("", "— Chọn lớp và môn —")] + [(f"{c}:{s}", label) for c, s, label in options]
        )

    def class_subject(self) -> tuple[int | None, int | None]:
        if not self.assignment.data:
            return None, None
        class_id, subject_id = self.assignment.data.split(":")
        return int(class_id), int(subject_id)


class EditRecordForm(RecordFieldsMixin, FlaskForm):
    version = VersionField()


class NewVersionForm(FlaskForm):
    version = VersionField()
    files = MultipleFileField("Tệp mới (PDF, DOCX, XLSX, PPTX)")
    keep = SelectMultipleField(
        "Giữ lại tệp của phiên bản hiện tại",
        coerce=int,
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    note = TextAreaField("Nội dung chỉnh sửa", validators=[Optional(), Length(max=2000)])


class DecisionForm(FlaskForm):
    version = VersionField()
    comment = TextAreaField("Ý kiến", validators=[Optional(), Length(max=2000)])


class ReturnForm(FlaskForm):
    version = VersionField()
    comment = TextAreaField(
        "Lý do trả lại", validators=[DataRequired("Khi trả lại cần ghi rõ lý do để giáo viên sửa."), Length(max=2000)]
    )


class CommentForm(FlaskForm):
    body = TextAreaField("Trao đổi", validators=[DataRequired(REQUIRED.format("nội dung trao đổi")), Length(max=4000)])


STEP_CHOICES = [("", "— không —")] + [(k.value, k.label) for k in StepKind]
STEPS_REQUIRED = choices(STEP_CHOICES[1:])
STEPS_OPTIONAL = choices(STEP_CHOICES)


class RecordTypeForm(FlaskForm):
    code = StringField("Mã (không dấu, không đổi được sau khi tạo)", validators=[Optional(), Length(max=40)])
    name = StringField("Tên loại hồ sơ", validators=[DataRequired(REQUIRED.format("tên")), Length(max=200)])
    description = TextAreaField("Mô tả", validators=[Optional(), Length(max=2000)])
    step1 = SelectField("Bước duyệt 1", choices=STEPS_REQUIRED)
    step2 = SelectField("Bước duyệt 2", choices=STEPS_OPTIONAL)
    step3 = SelectField("Bước duyệt 3", choices=STEPS_OPTIONAL)
    made_by = SelectField("Người lập", choices=choices([(m.value, m.label) for m in MadeBy]))
    deadline_days_before_lesson = IntegerField(
        "Hạn nộp: số ngày trước ngày dạy (để trống nếu không có hạn)",
        validators=[Optional(), NumberRange(0, 60, "Từ 0 đến 60 ngày.")],
    )
    requires_class_subject = BooleanField("Gắn với lớp và môn học")
    active = BooleanField("Đang sử dụng", default=True)
    sort_order = IntegerField(
        "Thứ tự hiển thị", default=100, validators=[InputRequired("Vui lòng nhập thứ tự."), NumberRange(0, 10000)]
    )

    def chain(self) -> list[str]:
        return [s for s in (self.step1.data, self.step2.data, self.step3.data) if s]
