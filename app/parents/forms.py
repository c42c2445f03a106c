"""Forms of parents: the second factor, the acknowledgement, releasing a term."""

from __future__ import annotations

from wtforms import BooleanField, Form, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from app.core.forms import date_field
from app.parents.messages import BODY_MAX as MESSAGE_MAX
from app.parents.messages import REPLY_MAX as MESSAGE_REPLY_MAX
from app.parents.models import RELEASE_PERIODS
from app.parents.services import REPLY_MAX


class OpenForm(Form):
    """The landing page's button; the child's date of birth when the school asks for it."""

    birth_date = date_field("Ngày sinh của con", required=False)
    #: R21: asked only while no consent is recorded; never pre-ticked
    consent = BooleanField("Tôi đồng ý nhận sổ liên lạc điện tử của con qua đường dẫn riêng này", default=False)


class AckForm(Form):
    reply = TextAreaField(
        "Lời nhắn cho giáo viên chủ nhiệm (không bắt buộc)",
        validators=[Optional(), Length(max=REPLY_MAX, message=f"Lời nhắn tối đa {REPLY_MAX} ký tự.")],
    )


class ReleaseForm(Form):
    period = StringField(
        "Kỳ", validators=[AnyOf(list(RELEASE_PERIODS), message="Hãy chọn học kỳ hoặc cả năm cần công bố.")]
    )
    period_ref = StringField("Tham chiếu", validators=[Optional(), Length(max=10, message="Kỳ không hợp lệ.")])


class ConsentForm(Form):
    """The GVCN's (or BGH's) record of a guardian's consent or its withdrawal."""

    decided_on = date_field("Ngày phụ huynh đồng ý / rút lại")
    source = StringField(
        "Nguồn ghi nhận",
        validators=[
            DataRequired("Hãy ghi nguồn ghi nhận (ví dụ: phiếu giấy có chữ ký của phụ huynh)."),
            Length(max=200, message="Nguồn ghi nhận tối đa 200 ký tự."),
        ],
    )


class MessageForm(Form):
    """The GVCN's note to one family."""

    body = TextAreaField(
        "Nội dung tin nhắn",
        validators=[
            DataRequired(message="Hãy viết nội dung tin nhắn."),
            Length(max=MESSAGE_MAX, message=f"Tin nhắn tối đa {MESSAGE_MAX} ký tự."),
        ],
    )


class MessageReplyForm(Form):
    """The family's answer to one message."""

    reply = TextAreaField(
        "Trả lời giáo viên chủ nhiệm",
        validators=[
            DataRequired(message="Hãy viết lời trả lời."),
            Length(max=MESSAGE_REPLY_MAX, message=f"Lời trả lời tối đa {MESSAGE_REPLY_MAX} ký tự."),
        ],
    )
