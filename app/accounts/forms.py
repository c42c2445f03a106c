from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from app.core.authz import ASSIGNABLE_ROLES
from app.school.forms import IdSelectField, phone_check

REQUIRED = "Vui lòng nhập {}."


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


class ResetPasswordForm(FlaskForm):
    temporary_password = StringField(
        "Mật khẩu tạm",
        validators=[
            DataRequired(REQUIRED.format("mật khẩu tạm")),
            Length(min=8, max=128, message="Mật khẩu tạm cần từ 8 đến 128 ký tự."),
        ],
    )


# --- staff management (quản trị) --------------------------------------------------------

USERNAME_MESSAGE = "Tên đăng nhập gồm 2–60 ký tự: chữ không dấu, số, dấu chấm hoặc gạch dưới (ví dụ: lan.nt)."


class RoleCheckboxes(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def __init__(self, label: str | None = None, validators=None, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("choices", [SelectChoice(r.value, r.label) for r in ASSIGNABLE_ROLES])
        kwargs.setdefault("invalid_choice_message", "Vai trò '%(value)s' không hợp lệ.")
        kwargs.setdefault("invalid_value_message", "Vai trò không hợp lệ.")
        super().__init__(label, validators, **kwargs)


class StaffForm(FlaskForm):
    full_name = StringField(
        "Họ và tên",
        validators=[
            DataRequired(REQUIRED.format("họ và tên")),
            Length(max=120, message="Họ và tên dài tối đa 120 ký tự."),
        ],
    )
    username = StringField(
        "Tên đăng nhập",
        validators=[
            DataRequired(REQUIRED.format("tên đăng nhập")),
            Regexp(r"^[A-Za-z0-9._]{2,60}$", message=USERNAME_MESSAGE),
        ],
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    email = StringField(
        "Email",
        validators=[
            Optional(),
            Length(max=120, message="Email dài tối đa 120 ký tự."),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Email không hợp lệ (ví dụ: lan@truong.edu.vn)."),
        ],
    )
    phone = StringField("Điện thoại", validators=[Optional(), phone_check], render_kw={"inputmode": "tel"})
    position = StringField("Chức vụ", validators=[Optional(), Length(max=80, message="Chức vụ dài tối đa 80 ký tự.")])
    department_id = IdSelectField("Tổ chuyên môn")
    roles = RoleCheckboxes("Vai trò")

    def validate_roles(self, field) -> None:  # type: ignore[no-untyped-def]
        if not field.data:
            raise ValidationError("Chọn ít nhất một vai trò.")


class StaffPasswordForm(FlaskForm):
    """Admin reset: leave empty to generate a random temporary password (shown once)."""

    temporary_password = PasswordField(
        "Mật khẩu tạm (để trống để tạo ngẫu nhiên)",
        validators=[Optional(), Length(min=8, max=128, message="Mật khẩu tạm cần từ 8 đến 128 ký tự.")],
        render_kw={"autocomplete": "new-password"},
    )


class StaffCreateForm(StaffForm, StaffPasswordForm):
    pass


class StaffActiveForm(FlaskForm):
    active = IdSelectField("Trạng thái", choices=[SelectChoice("1", "Hoạt động"), SelectChoice("0", "Khoá")])
