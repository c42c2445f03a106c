"""Signing forms: a PKCS#12 upload with its password; a certificate on a USB token (its
label, the PIN, the key when there are several); the password or PIN typed to sign."""

from __future__ import annotations

from wtforms import BooleanField, FileField, Form, PasswordField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from app.core.forms import VNSelectField, choices, text_field
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


class TokenForm(Form):
    """ "Chứng thư trên USB token": the certificate is read from the token (services.token)."""

    token_label = text_field("Tên (nhãn) của USB token", 32, required=True)
    key_ref = text_field("Nhãn hoặc ID của khóa (chỉ cần khi token có nhiều chứng thư)", 100)
    pin = PasswordField(
        "Mã PIN của USB token",
        validators=[
            DataRequired("Hãy nhập mã PIN của USB token."),
            Length(max=64, message="Mã PIN quá dài."),
        ],
    )


class SignForm(Form):
    #: optional here: with a stored key (services.keystore) no password is typed; without
    #: one the service refuses an empty password ("Hãy nhập mật khẩu của chứng thư số.");
    #: a token certificate's PIN comes in this same field ("Hãy nhập mã PIN của USB token.")
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
