"""Grade book settings: lock dates per term (R17) and the TT22 readings (R7, missed tests)."""

from __future__ import annotations

from flask import make_response, render_template, request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow, require
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.gradebook import forms, policy, queries
from app.gradebook.services import settings
from app.gradebook.views import common
from app.school import queries as school_queries

routes = Routes()


def _page(form: forms.SettingsForm, error: str | None = None, status: int = 200) -> Response:
    year = school_queries.current_year()
    page = render_template("gradebook/settings.html", form=form, year=year, terms=queries.year_terms(year), error=error)
    return make_response(page, status)


@routes.route("/settings")
@allow(Role.ADMIN, BGH)
def settings_page() -> Response:
    require(policy.can_manage_settings(current_actor()))
    current = settings.learning_settings()
    data = {
        "adjustment_reading": current.adjustment_reading.value,
        "adjustment_counts_comment": current.adjustment_counts_comment_subjects,
        "missed_test_rule": settings.missed_test_rule(),
    }
    return _page(forms.SettingsForm(data=data))


@routes.route("/settings", methods=["POST"])
@allow(Role.ADMIN, BGH)
def settings_save() -> Response:
    user = current_actor()
    require(policy.can_manage_settings(user))
    form = forms.SettingsForm(request.form)
    if not form.validate():
        return _page(form, common.form_errors(form), 422)
    with unit_of_work(catch=True) as work:
        settings.save_settings(
            user,
            adjustment_reading=form.adjustment_reading.data,
            adjustment_counts_comment=form.adjustment_counts_comment.data,
            missed_rule=form.missed_test_rule.data,
        )
    if work.error is not None:
        return _page(form, work.error.message, work.error.status)
    return common.redirect_with("Đã lưu cài đặt sổ điểm.", url_for("gradebook.settings_page"))


@routes.route("/settings/lock-date", methods=["POST"])
@allow(Role.ADMIN, BGH)
def lock_date_save() -> Response:
    user = current_actor()
    require(policy.can_manage_settings(user))
    form = forms.LockDateForm(request.form)
    if not form.validate():
        common.invalid(form)
    term = queries.lock_term(form.term_id.data)
    term_name = term.name
    with unit_of_work(catch=True) as work:
        settings.set_lock_date(user, term, form.lock_date.data)
    if work.error is not None:
        return _page(forms.SettingsForm(), work.error.message, work.error.status)
    return common.redirect_with(f"Đã lưu ngày khoá sổ {term_name}.", url_for("gradebook.settings_page"))
