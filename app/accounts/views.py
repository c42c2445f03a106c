from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, render_template, request, url_for
from flask_login import current_user, logout_user

from app.accounts import services
from app.accounts.forms import ChangePasswordForm, LoginForm
from app.accounts.session import start_session
from app.core.authz import ANY_STAFF, allow, public
from app.core.htmx import redirect_to
from app.extensions import db, limiter

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
