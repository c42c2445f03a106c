from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, render_template, request, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from app.accounts import services
from app.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    StaffActiveForm,
    StaffCreateForm,
    StaffForm,
    StaffPasswordForm,
)
from app.accounts.models import User
from app.accounts.passwords import generate_password
from app.accounts.session import start_session
from app.core.authz import ANY_STAFF, BGH, Role, allow, found, public
from app.core.htmx import is_htmx, page_or_fragment, redirect_to, render_fragment
from app.core.routing import db_id
from app.extensions import db, limiter
from app.school.forms import choices
from app.school.imports.xlsx import fold
from app.school.models import Department
from app.school.policy import can_manage_school

bp = Blueprint("accounts", __name__)


def _login_rate() -> str:
    return current_app.config["SODIENTU_LOGIN_RATE"]


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_rate, methods=["POST"])
def login() -> Response | str:
    if current_user.is_authenticated and request.method == "GET":
        return redirect_to(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        result = services.authenticate(form.username.data, form.password.data)
        if result.user:
            start_session(result.user)
        db.session.commit()
        if result.user:
            return redirect_to(_safe_next(request.args.get("next")))
        error = result.error
    status = 422 if request.method == "POST" else 200
    expired = request.args.get("expired")
    return render_template("accounts/login.html", form=form, error=error, expired=expired), status


@bp.route("/logout", methods=["POST"])
@allow(ANY_STAFF)
def logout() -> Response:
    services.logout(current_user._get_current_object())
    db.session.commit()
    logout_user()
    response = redirect_to(url_for("accounts.login"))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@allow(ANY_STAFF)
def change_password() -> Response | tuple[str, int]:
    form = ChangePasswordForm()
    error = None
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.change_password(user, form.current_password.data, form.new_password.data)
        except services.AccountError as exc:
            error = str(exc)
        else:
            db.session.commit()
            start_session(user)  # the new session version; other devices are signed out
            flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất.", "success")
            return redirect_to(url_for("home.index"))
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form, error=error), status


# --- staff management: quản trị writes, BGH reads -------------------------------------------

STAFF_READERS = (Role.ADMIN, BGH)


def _departments() -> list[Department]:
    return sorted(db.session.scalars(select(Department)), key=lambda d: fold(d.name))


def _staff(query: str = "", department_id: int | None = None) -> list[User]:
    stmt = select(User)
    if department_id:
        stmt = stmt.where(User.department_id == department_id)
    people = list(db.session.scalars(stmt))
    if query:
        needle = fold(query)
        people = [u for u in people if needle in fold(u.full_name) or needle in fold(u.username)]
    return sorted(people, key=lambda u: (not u.active, u.sort_key))


def _staff_form(cls: type[StaffForm], user: User | None = None, formdata: object = ...) -> StaffForm:
    kwargs: dict = {} if formdata is ... else {"formdata": formdata}
    form = cls(obj=user, **kwargs)
    form.department_id.choices = choices([(d.id, d.name) for d in _departments()], "— không thuộc tổ —")
    if user is not None and formdata is None:
        form.roles.data = sorted(r.value for r in user.stored_roles)
    return form


@bp.route("/staff")
@allow(*STAFF_READERS)
def staff_list() -> str:
    department_id = request.args.get("department", type=db_id)
    query = request.args.get("q", "").strip()[:60]
    return page_or_fragment(
        "accounts/staff_list.html",
        "accounts/_staff_table.html",
        staff=_staff(query, department_id),
        departments=_departments(),
        query=query,
        department_id=department_id,
        can_manage=can_manage_school(current_user),
    )


def _create_ctx(form: StaffForm, error: str | None = None) -> dict:
    return {
        "form": form,
        "error": error,
        "action": url_for("accounts.staff_new"),
        "form_id": "staff-form",
        "form_title": "Thêm cán bộ, giáo viên",
        "submit": "Tạo tài khoản",
        "back": url_for("accounts.staff_list"),
    }


@bp.route("/staff/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def staff_new() -> Response | tuple[str, int] | str:
    if request.method == "GET":
        return render_template("accounts/staff_form.html", **_create_ctx(_staff_form(StaffCreateForm, formdata=None)))
    form = _staff_form(StaffCreateForm)
    if not form.validate():
        return page_or_fragment("accounts/staff_form.html", "school/_form.html", status=422, **_create_ctx(form))
    password = form.temporary_password.data or generate_password(form.username.data.lower())
    try:
        user = services.create_user(
            current_user._get_current_object(),
            username=form.username.data,
            full_name=form.full_name.data,
            password=password,
            email=form.email.data or None,
            phone=form.phone.data or None,
            position=form.position.data or None,
            department_id=form.department_id.data,
            roles=tuple(Role(r) for r in form.roles.data),
            must_change_password=True,
        )
    except services.AccountError as exc:
        db.session.rollback()
        return page_or_fragment(
            "accounts/staff_form.html", "school/_form.html", status=422, **_create_ctx(form, str(exc))
        )
    db.session.commit()
    # the initial password is shown once, in this response only (never flashed into the cookie)
    return page_or_fragment(
        "accounts/staff_created.html", "accounts/_password_once.html", person=user, password=password, created=True
    )


def _edit_ctx(user: User, form: StaffForm, error: str | None = None) -> dict:
    form.username.render_kw = {"readonly": True}
    return {
        "form": form,
        "error": error,
        "person": user,
        "action": url_for("accounts.staff_edit", user_id=user.id),
        "form_id": f"user-{user.id}-form",
        "form_title": f"Sửa tài khoản {user.username}",
        "back": url_for("accounts.staff_list"),
    }


@bp.route("/staff/<int:user_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def staff_edit(user_id: int) -> Response | tuple[str, int] | str:
    user = found(db.session.get(User, user_id), "user", user_id)
    if request.method == "GET":
        return render_template("accounts/staff_form.html", **_edit_ctx(user, _staff_form(StaffForm, user, None)))
    form = _staff_form(StaffForm, user)
    form.username.data = user.username  # the username never changes
    if not form.validate():
        return page_or_fragment("accounts/staff_form.html", "school/_form.html", status=422, **_edit_ctx(user, form))
    try:
        services.update_user(
            current_user._get_current_object(),
            user,
            full_name=form.full_name.data,
            email=form.email.data or None,
            phone=form.phone.data or None,
            position=form.position.data or None,
            department_id=form.department_id.data,
            roles=tuple(Role(r) for r in form.roles.data),
        )
    except services.AccountError as exc:
        db.session.rollback()
        return page_or_fragment(
            "accounts/staff_form.html", "school/_form.html", status=422, **_edit_ctx(user, form, str(exc))
        )
    db.session.commit()
    flash(f"Đã lưu tài khoản {user.username}.", "success")
    return redirect_to(url_for("accounts.staff_list"))


def _row(user: User, status: int = 200, **extra: object) -> Response:
    """The staff row for htmx; the list page (303) otherwise."""
    if not is_htmx():
        return redirect_to(url_for("accounts.staff_list"))
    return render_fragment(
        "accounts/_staff_row.html", status=status, person=user, can_manage=True, trigger="staffChanged", **extra
    )


@bp.route("/staff/<int:user_id>/password", methods=["POST"])
@allow(Role.ADMIN)
def staff_reset_password(user_id: int) -> Response | tuple[str, int]:
    user = found(db.session.get(User, user_id), "user", user_id)
    form = StaffPasswordForm()
    error = None
    if form.validate():
        password = form.temporary_password.data or generate_password(user.username)
        try:
            services.reset_password(current_user._get_current_object(), user, password)
        except services.AccountError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            if is_htmx():
                return _row(user, password=password)
            return render_template("accounts/staff_created.html", person=user, password=password, created=False), 200
    else:
        error = " ".join(form.temporary_password.errors)
    if is_htmx():
        return _row(user, status=422, row_error=error)
    flash(error or "Không đặt lại được mật khẩu.", "error")
    return render_template(
        "accounts/staff_list.html",
        staff=_staff(),
        departments=_departments(),
        query="",
        department_id=None,
        can_manage=True,
    ), 422


@bp.route("/staff/<int:user_id>/active", methods=["POST"])
@allow(Role.ADMIN)
def staff_set_active(user_id: int) -> Response | tuple[str, int]:
    user = found(db.session.get(User, user_id), "user", user_id)
    form = StaffActiveForm()
    error = None
    if form.validate():
        try:
            services.set_active(current_user._get_current_object(), user, form.active.data == 1)
        except services.AccountError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            if not is_htmx():
                state = "mở khoá" if user.active else "khoá"
                flash(f"Đã {state} tài khoản {user.username}.", "success")
            return _row(user)
    else:
        error = "Trạng thái không hợp lệ."
    if is_htmx():
        return _row(user, status=422, row_error=error)
    flash(error, "error")
    return render_template(
        "accounts/staff_list.html",
        staff=_staff(),
        departments=_departments(),
        query="",
        department_id=None,
        can_manage=True,
    ), 422
