"""One's own password: the change every user makes after a reset (and may make any time)."""

from __future__ import annotations

from flask import flash, render_template, request, url_for
from werkzeug.wrappers import Response

from app.accounts import services
from app.accounts.forms import ChangePasswordForm
from app.accounts.session import current_actor, start_session
from app.core.authz import ANY_STAFF, allow
from app.core.database import unit_of_work
from app.core.htmx import redirect_to
from app.core.routing import Routes

routes = Routes()


@routes.route("/account/password", methods=["GET", "POST"])
@allow(ANY_STAFF)
def change_password() -> Response | tuple[str, int]:
    form = ChangePasswordForm()
    error = None
    if form.validate_on_submit():
        user = current_actor()
        with unit_of_work(catch=True) as work:
            services.change_password(user, form.current_password.data, form.new_password.data)
        if work.error is None:
            start_session(user)  # the new session version; other devices are signed out
            flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất.", "success")
            return redirect_to(url_for("home.index"))
        error = work.error.message
    status = 422 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form, error=error), status
