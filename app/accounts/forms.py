"""Forms of signing in and of one's own password. Every message is Vietnamese.

The staff management forms are the school's (app.school.forms): they need the tổ list.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.core.forms import REQUIRED


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(REQUIRED.format("tên đăng nhập")), Length(max=60)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(REQUIRED.format("mật khẩu")), Length(max=128)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Mật khẩu hiện tại", validators=[DataRequired(REQUIRED.format("mật khẩu hiện tại"))]
    )
    new_password = PasswordField(
        "Mật khẩu mới", validators=[DataRequired(REQUIRED.format("mật khẩu mới")), Length(max=128)]
    )
    confirm = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[
            DataRequired(REQUIRED.format("lại mật khẩu mới")),
            EqualTo("new_password", "Hai lần nhập mật khẩu mới không khớp."),
        ],
    )
