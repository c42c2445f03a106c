"""Staff accounts as the school manages them: the list (with tổ), create, edit, reset a
password, lock/unlock (quản trị writes; BGH reads). The accounts themselves, and the rules
on them, are accounts': these pages call its services."""

from __future__ import annotations

from typing import Any, TypeVar

from flask import Response, flash, render_template, request, url_for

from app.accounts import policy as accounts_policy
from app.accounts import queries as accounts_queries
from app.accounts import services as accounts
from app.accounts.models import User
from app.accounts.passwords import generate_password
from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow
from app.core.database import unit_of_work
from app.core.errors import DomainError
from app.core.forms import choices
from app.core.htmx import is_htmx, page_or_fragment, redirect_to, render_fragment
from app.core.routing import Routes, db_id
from app.school import queries
from app.school.forms import StaffActiveForm, StaffCreateForm, StaffForm, StaffPasswordForm
from app.school.views.common import UNBOUND

routes = Routes()
F = TypeVar("F", bound=StaffForm)
PAGE, FORM = "school/staff_form.html", "school/_form.html"


def _staff_form(cls: type[F], user: User | None = None, formdata: bool = True) -> F:
    form = cls(obj=user, **({} if formdata else UNBOUND))
    form.department_id.choices = choices([(d.id, d.name) for d in queries.departments()], "— không thuộc tổ —")
    if user is not None and not formdata:
        form.roles.data = sorted(r.value for r in user.stored_roles)
    return form


def _list(status: int = 200, query: str = "", department_id: int | None = None) -> Response:
    return page_or_fragment(
        "school/staff_list.html",
        "school/_staff_table.html",
        status,
        staff=accounts_queries.staff_matching(query, department_id),
        departments=queries.departments(),
        query=query,
        department_id=department_id,
        can_manage=accounts_policy.can_manage_staff(current_actor()),
    )


@routes.route("/admin/staff")
@allow(Role.ADMIN, BGH)
def staff_list() -> Response:
    return _list(query=request.args.get("q", "").strip()[:60], department_id=request.args.get("department", type=db_id))


def _create_ctx(form: StaffForm, error: DomainError | None = None) -> dict[str, Any]:
    return {
        "form": form,
        "error": error.message if error else None,
        "action": url_for("school.staff_new"),
        "form_id": "staff-form",
        "form_title": "Thêm cán bộ, giáo viên",
        "submit": "Tạo tài khoản",
        "back": url_for("school.staff_list"),
    }


@routes.route("/admin/staff/new", methods=["GET", "POST"])
@allow(Role.ADMIN)
def staff_new() -> Response | str:
    if request.method == "GET":
        return render_template(PAGE, **_create_ctx(_staff_form(StaffCreateForm, formdata=False)))
    form = _staff_form(StaffCreateForm)
    if not form.validate():
        return page_or_fragment(PAGE, FORM, 422, **_create_ctx(form))
    password = form.temporary_password.data or generate_password(form.username.data.lower())
    fields = form.account_fields()
    with unit_of_work(catch=True) as work:
        user = accounts.create_user(current_actor(), username=form.username.data, password=password, **fields)
    if work.error:
        return page_or_fragment(PAGE, FORM, work.error.status, **_create_ctx(form, work.error))
    # the initial password is shown once, in this response only (never flashed into the cookie)
    return page_or_fragment(
        "school/staff_created.html", "school/_password_once.html", person=user, password=password, created=True
    )


def _edit_ctx(user: User, form: StaffForm, error: DomainError | None = None) -> dict[str, Any]:
    form.username.render_kw = {"readonly": True}
    return {
        "form": form,
        "error": error.message if error else None,
        "person": user,
        "action": url_for("school.staff_edit", user_id=user.id),
        "form_id": f"user-{user.id}-form",
        "form_title": f"Sửa tài khoản {user.username}",
        "back": url_for("school.staff_list"),
    }


@routes.route("/admin/staff/<int:user_id>/edit", methods=["GET", "POST"])
@allow(Role.ADMIN)
def staff_edit(user_id: int) -> Response | str:
    user = accounts_queries.get_user(user_id)
    if request.method == "GET":
        return render_template(PAGE, **_edit_ctx(user, _staff_form(StaffForm, user, formdata=False)))
    form = _staff_form(StaffForm, user)
    form.username.data = user.username  # the username never changes
    if not form.validate():
        return page_or_fragment(PAGE, FORM, 422, **_edit_ctx(user, form))
    with unit_of_work(catch=True) as work:
        accounts.update_user(current_actor(), user, **form.account_fields())
    if work.error:
        return page_or_fragment(PAGE, FORM, work.error.status, **_edit_ctx(user, form, work.error))
    flash(f"Đã lưu tài khoản {user.username}.", "success")
    return redirect_to(url_for("school.staff_list"))


def _row(user: User, status: int = 200, **extra: object) -> Response:
    """The staff row for htmx; the list page (303) otherwise."""
    if not is_htmx():
        return redirect_to(url_for("school.staff_list"))
    return render_fragment(
        "school/_staff_row.html", status=status, person=user, can_manage=True, trigger="staffChanged", **extra
    )


def _row_refused(user: User, message: str) -> Response:
    """422: the row with its error for htmx; otherwise the list page with the message."""
    if is_htmx():
        return _row(user, status=422, row_error=message)
    flash(message, "error")
    return _list(422)


@routes.route("/admin/staff/<int:user_id>/password", methods=["POST"])
@allow(Role.ADMIN)
def staff_reset_password(user_id: int) -> Response | tuple[str, int]:
    user = accounts_queries.get_user(user_id)
    form = StaffPasswordForm()
    if not form.validate():
        return _row_refused(user, " ".join(form.temporary_password.errors) or "Không đặt lại được mật khẩu.")
    password = form.temporary_password.data or generate_password(user.username)
    with unit_of_work(catch=True) as work:
        accounts.reset_password(current_actor(), user, password)
    if work.error:
        return _row_refused(user, work.error.message)
    if is_htmx():
        return _row(user, password=password)
    return render_template("school/staff_created.html", person=user, password=password, created=False), 200


@routes.route("/admin/staff/<int:user_id>/active", methods=["POST"])
@allow(Role.ADMIN)
def staff_set_active(user_id: int) -> Response:
    user = accounts_queries.get_user(user_id)
    form = StaffActiveForm()
    if not form.validate():
        return _row_refused(user, " ".join(form.active.errors) or "Trạng thái không hợp lệ.")
    with unit_of_work(catch=True) as work:
        accounts.set_active(current_actor(), user, form.active.data == 1)
    if work.error:
        return _row_refused(user, work.error.message)
    if not is_htmx():
        state = "mở khoá" if user.active else "khoá"
        flash(f"Đã {state} tài khoản {user.username}.", "success")
    return _row(user)
