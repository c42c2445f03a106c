"""Forms of the class close. Versions are bounded ids (core.forms.IdField via the grade
book's helpers: a 30-digit value is a field error → 422); class, period and student come
from the URL and are checked by the scoped loaders (404)."""

from __future__ import annotations

from wtforms import BooleanField, Form, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.gradebook.forms import id_field


class SubmitForm(Form):
    attendance_confirmed = BooleanField("Tôi xác nhận đã điểm danh đầy đủ: mọi buổi nghỉ của học sinh đã được ghi.")
    note = TextAreaField(
        "Ghi chú gửi hiệu trưởng", validators=[Optional(), Length(max=2000, message="Ghi chú tối đa 2000 ký tự.")]
    )


class ApproveForm(Form):
    version = id_field("Phiên bản")
    comment = TextAreaField("Ý kiến", validators=[Optional(), Length(max=1000, message="Ý kiến tối đa 1000 ký tự.")])


class ReturnForm(Form):
    version = id_field("Phiên bản")
    comment = TextAreaField(
        "Lý do trả lại",
        validators=[
            DataRequired("Khi trả lại cần ghi rõ lý do để giáo viên chủ nhiệm sửa."),
            Length(max=1000, message="Lý do tối đa 1000 ký tự."),
        ],
    )


class MonthPublishForm(Form):
    note = TextAreaField(
        "Nhận xét của giáo viên chủ nhiệm cho tháng (in trên báo cáo gửi cha mẹ học sinh)",
        validators=[Optional(), Length(max=1000, message="Nhận xét của tháng tối đa 1000 ký tự.")],
    )
