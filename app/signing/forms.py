"""Signing forms: a PKCS#12 upload with its password; the password typed to sign."""

from __future__ import annotations

from wtforms import FileField, Form, PasswordField
from wtforms.validators import DataRequired, Length

PASSWORD = [
    DataRequired("Hãy nhập mật khẩu của chứng thư số."),
    Length(max=200, message="Mật khẩu quá dài."),
]


class CertificateForm(Form):
    p12 = FileField("Tệp chứng thư số (.p12, .pfx)")
    password = PasswordField("Mật khẩu của tệp", validators=PASSWORD)


class SignForm(Form):
    password = PasswordField("Mật khẩu chứng thư số", validators=PASSWORD)
