"""Forms of privacy: registering and answering a data-subject request, the export, the
erasure's confirmation, the access log's filters."""

from __future__ import annotations

from wtforms import Form, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from app.core.forms import VNSelectField, choices, date_field
from app.core.vn import nfc
from app.privacy.models import KINDS
from app.privacy.services import DETAILS_MAX, REPLY_MAX

REQUESTER_CHOICES = [("me", "Mẹ"), ("cha", "Cha"), ("giam_ho", "Người giám hộ"), ("student", "Học sinh")]


class RequestForm(Form):
    student_code = StringField(
        "Mã học sinh",
        validators=[DataRequired("Hãy nhập mã học sinh."), Length(max=30, message="Mã học sinh tối đa 30 ký tự.")],
    )
    kind = VNSelectField(
        "Loại yêu cầu",
        choices=choices(list(KINDS.items())),
        validators=[AnyOf(list(KINDS), message="Hãy chọn loại yêu cầu: truy cập, chỉnh sửa, xóa hoặc hạn chế xử lý.")],
        validate_choice=False,
    )
    requester = VNSelectField(
        "Người yêu cầu",
        choices=choices(REQUESTER_CHOICES),
        validators=[AnyOf([c for c, _ in REQUESTER_CHOICES], message="Hãy chọn người yêu cầu.")],
        validate_choice=False,
    )
    received_on = date_field("Ngày nhận yêu cầu")
    details = TextAreaField(
        "Nội dung yêu cầu (không ghi số điện thoại, địa chỉ)",
        validators=[Optional(), Length(max=DETAILS_MAX, message=f"Nội dung yêu cầu tối đa {DETAILS_MAX} ký tự.")],
    )


class AnswerForm(Form):
    reply = TextAreaField(
        "Nội dung trả lời",
        validators=[
            DataRequired("Hãy nhập nội dung trả lời cho người yêu cầu."),
            Length(max=REPLY_MAX, message=f"Nội dung trả lời tối đa {REPLY_MAX} ký tự."),
        ],
    )
    outcome = StringField(
        "Kết quả",
        validators=[AnyOf(["answered", "refused"], message="Hãy chọn trả lời hoặc từ chối yêu cầu.")],
    )


class EraseForm(Form):
    confirm = StringField(
        "Gõ XÓA để xác nhận",
        filters=[lambda v: nfc(v).strip().upper() if isinstance(v, str) else v],
        validators=[AnyOf(["XÓA", "XOÁ"], message="Gõ đúng chữ XÓA (in hoa) để xác nhận xóa thông tin liên lạc.")],
    )
