"""Forms of the grade book. Only declared fields are read (no mass assignment); scope —
a student of this class, a column of this grid — is checked by the views (404)."""

from __future__ import annotations

import json
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    FileField,
    Form,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from app.gradebook.values import LEVEL_CHOICES

BATCH_MAX = 2000


def _choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


REQ = "Thiếu {}."


class CellForm(Form):
    student_id = IntegerField(validators=[InputRequired(REQ.format("học sinh"))])
    column = StringField(validators=[InputRequired(REQ.format("cột điểm")), Length(max=4)])
    value = StringField(validators=[Length(max=30, message="Giá trị quá dài.")])
    version = IntegerField(validators=[InputRequired(REQ.format("phiên bản ô")), NumberRange(min=0)])


class BatchForm(Form):
    """cells = JSON list of {student_id, column, value, version} (a paste from Excel)."""

    cells = StringField(validators=[InputRequired(REQ.format("dữ liệu dán"))])

    def validate_cells(self, field: Any) -> None:
        try:
            items = json.loads(field.data)
        except (TypeError, ValueError):
            raise ValidationError("Dữ liệu dán không đọc được.") from None
        if not isinstance(items, list) or not 0 < len(items) <= BATCH_MAX:
            raise ValidationError(f"Mỗi lần dán từ 1 đến {BATCH_MAX} ô.")
        parsed = []
        for item in items:
            try:
                parsed.append(
                    (
                        int(item["student_id"]),
                        str(item["column"])[:4],
                        str(item.get("value") or "")[:30],
                        int(item["version"]),
                    )
                )
            except (KeyError, TypeError, ValueError):
                raise ValidationError("Dữ liệu dán không đúng định dạng.") from None
            if parsed[-1][3] < 0:
                raise ValidationError("Dữ liệu dán không đúng định dạng.")
        self.items = parsed


class CommentForm(Form):
    student_id = IntegerField(validators=[InputRequired(REQ.format("học sinh"))])
    text = TextAreaField("Nhận xét", validators=[Length(max=1000, message="Nhận xét tối đa 1000 ký tự.")])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0)])


class OpenForm(Form):
    class_id = IntegerField(validators=[InputRequired()])
    subject_id = IntegerField(validators=[InputRequired()])
    term_id = IntegerField(validators=[InputRequired()])


class SubmitForm(Form):
    acknowledge = BooleanField("Tôi xác nhận các ô còn trống là có lý do (vắng, chưa kiểm tra bù…).")
    note = TextAreaField("Ghi chú gửi người duyệt", validators=[Optional(), Length(max=1000)])


class ReviewForm(Form):
    action = RadioField(
        choices=_choices([("approve", "Duyệt"), ("return", "Trả lại")]),
        validators=[InputRequired("Chọn Duyệt hoặc Trả lại.")],
    )
    comment = TextAreaField("Nhận xét / lý do trả lại", validators=[Optional(), Length(max=1000)])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])


class ImportForm(Form):
    file = FileField("Tệp Excel (.xlsx)")


class ImportConfirmForm(Form):
    payload = StringField(validators=[InputRequired()])


class CorrectionForm(Form):
    student_id = IntegerField(validators=[InputRequired(REQ.format("học sinh"))])
    column = StringField("Cột điểm", validators=[InputRequired(REQ.format("cột điểm")), Length(max=4)])
    new_value = StringField("Giá trị mới", validators=[Length(max=30)])
    reason = TextAreaField(
        "Lý do điều chỉnh",
        validators=[
            DataRequired("Ghi rõ lý do điều chỉnh (ví dụ: nhập nhầm, chấm phúc khảo)."),
            Length(max=2000),
        ],
    )
    evidence = FileField("Minh chứng (không bắt buộc: PDF, JPG, PNG)")


class DecisionForm(Form):
    action = RadioField(
        choices=_choices([("approve", "Đồng ý"), ("return", "Không đồng ý")]),
        validators=[InputRequired("Chọn Đồng ý hoặc Không đồng ý.")],
    )
    comment = TextAreaField("Ý kiến", validators=[Optional(), Length(max=1000)])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=1)])


class ConductForm(Form):
    student_id = IntegerField(validators=[InputRequired()])
    term_id = IntegerField(validators=[InputRequired()])
    level = SelectField(choices=_choices([("", "—"), *LEVEL_CHOICES]), validators=[Optional()])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0)])


class RemarkForm(Form):
    student_id = IntegerField(validators=[InputRequired()])
    term_id = IntegerField(validators=[InputRequired()])
    text = TextAreaField(validators=[Length(max=2000, message="Nhận xét tối đa 2000 ký tự.")])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0)])


class AttendanceForm(Form):
    student_id = IntegerField(validators=[InputRequired()])
    day = DateField(format="%Y-%m-%d", validators=[InputRequired("Chọn ngày.")])
    status = SelectField(
        choices=_choices([("present", "Có mặt"), ("excused", "Nghỉ có phép"), ("unexcused", "Nghỉ không phép")])
    )


class ExemptionForm(Form):
    student_id = IntegerField("Học sinh", validators=[InputRequired("Chọn học sinh.")])
    subject_id = IntegerField("Môn", validators=[InputRequired("Chọn môn.")])
    term_id = IntegerField("Học kỳ", validators=[Optional()])
    reason = TextAreaField(
        "Lý do (sức khoẻ)",
        validators=[DataRequired("Ghi lý do miễn phần thực hành."), Length(max=2000)],
    )
    evidence = FileField("Giấy xác nhận của cơ sở y tế")


class SummerForm(Form):
    student_id = IntegerField(validators=[InputRequired()])
    subject_id = IntegerField(validators=[Optional()])  # None: rèn luyện hè
    value = StringField(validators=[Length(max=30)])
    version = IntegerField(validators=[InputRequired(), NumberRange(min=0)])


class SettingsForm(Form):
    adjustment_reading = SelectField(
        "Cách điều chỉnh mức học tập (Điều 9 khoản 3)",
        choices=_choices(
            [
                ("one_step_above_computed", "Nâng lên một mức so với mức tính được (mặc định)"),
                ("one_below_reachable", "Nâng lên mức liền kề dưới mức đáng lẽ đạt"),
            ]
        ),
    )
    adjustment_counts_comment = BooleanField("Môn đánh giá bằng nhận xét cũng được xét là “môn duy nhất”")
    missed_test_rule = SelectField(
        "Vắng kiểm tra định kỳ, không kiểm tra bù",
        choices=_choices(
            [
                ("zero", "Tính 0 điểm (môn nhận xét: Chưa đạt) khi nộp sổ"),
                ("blank", "Để trống, không tính ĐTBmhk"),
            ]
        ),
    )


class LockDateForm(Form):
    term_id = IntegerField(validators=[InputRequired()])
    lock_date = DateField("Ngày khoá sổ", format="%Y-%m-%d", validators=[Optional()])
