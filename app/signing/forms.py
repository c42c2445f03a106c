"""Signing forms: a PKCS#12 upload with its password; the password typed to sign."""

from __future__ import annotations

from wtforms import BooleanField, FileField, Form, PasswordField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from app.core.forms import VNSelectField, choices
from app.signing.models import MAX_REVOKE_NOTE as MAX_NOTE
from app.signing.models import REVOKE_REASONS

PASSWORD = [
    DataRequired("Hãy nhập mật khẩu của chứng thư số."),
    Length(max=200, message="Mật khẩu quá dài."),
]


class CertificateForm(Form):
    p12 = FileField("Tệp chứng thư số (.p12, .pfx)")
    password = PasswordField("Mật khẩu của tệp", validators=PASSWORD)
    store_key = BooleanField("Lưu khóa mã hóa trên máy chủ để ký không cần nhập mật khẩu")


class SignForm(Form):
    #: optional here: with a stored key (services.keystore) no password is typed; without
    #: one the service refuses an empty password ("Hãy nhập mật khẩu của chứng thư số.")
    password = PasswordField(
        "Mật khẩu chứng thư số", validators=[Optional(), Length(max=200, message="Mật khẩu quá dài.")]
    )


class KeyStorageForm(Form):
    enabled = BooleanField("Cho phép lưu khóa ký số mã hóa trên máy chủ")


class RevokeForm(Form):
    reason = VNSelectField(
        "Lý do thu hồi",
        choices=choices(list(REVOKE_REASONS.items()), blank="— chọn lý do —"),
        validate_choice=False,
        validators=[AnyOf(list(REVOKE_REASONS), message="Hãy chọn lý do thu hồi.")],
    )
    note = TextAreaField(
        "Ghi chú (chỉ nội bộ nhà trường thấy)",
        validators=[Length(max=MAX_NOTE, message=f"Ghi chú quá dài (tối đa {MAX_NOTE} ký tự).")],
    )
