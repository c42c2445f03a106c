"""Signing in (rate limited, public) and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, render_template, request, url_for
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

from app.accounts import services
from app.accounts.forms import LoginForm
from app.accounts.session import current_actor, start_session
from app.core.authz import ANY_STAFF, allow, public
from app.core.database import unit_of_work
from app.core.htmx import redirect_to
from app.core.routing import Routes
from app.extensions import limiter

routes = Routes()


def _login_rate() -> str:
    rate: str = current_app.config["SODIENTU_LOGIN_RATE"]
    return rate


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("home.index")


@routes.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_rate, methods=["POST"])
def login() -> Response | tuple[str, int]:
    if current_user.is_authenticated and request.method == "GET":
        return redirect_to(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        # committed whatever the outcome: a failure counts towards the lockout
        with unit_of_work():
            result = services.authenticate(form.username.data, form.password.data)
            if result.user:
                start_session(result.user)
        if result.user:
            if result.notice:
                flash(result.notice, "warning")
            return redirect_to(_safe_next(request.args.get("next")))
        error = result.error
    status = 422 if request.method == "POST" else 200
    notice = {"expired": request.args.get("expired"), "logged_out": request.args.get("logged_out")}
    return render_template("accounts/login.html", form=form, error=error, **notice), status


@routes.route("/logout", methods=["POST"])
@allow(ANY_STAFF)
def logout() -> Response:
    with unit_of_work():
        services.logout(current_actor())
    logout_user()
    # the session cookie is cleared below, so the message travels in the URL, not a flash
    response = redirect_to(url_for("accounts.login", logged_out=1))
    response.headers["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
