from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

REQUIRED = "Vui lòng nhập {}."


class LoginForm(FlaskForm):
    username = StringField("Tên đăng nhập", validators=[
        DataRequired(REQUIRED.format("tên đăng nhập")), Length(max=60)])
    password = PasswordField("Mật khẩu", validators=[
        DataRequired(REQUIRED.format("mật khẩu")), Length(max=128)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[
        DataRequired(REQUIRED.format("mật khẩu hiện tại"))])
    new_password = PasswordField("Mật khẩu mới", validators=[
        DataRequired(REQUIRED.format("mật khẩu mới")), Length(max=128)])
    confirm = PasswordField("Nhập lại mật khẩu mới", validators=[
        DataRequired(REQUIRED.format("lại mật khẩu mới")),
        EqualTo("new_password", "Hai lần nhập mật khẩu mới không khớp.")])


class ResetPasswordForm(FlaskForm):
    temporary_password = StringField("Mật khẩu tạm", validators=[
        DataRequired(REQUIRED.format("mật khẩu tạm")), Length(min=8, max=128,
        message="Mật khẩu tạm cần từ 8 đến 128 ký tự.")])
