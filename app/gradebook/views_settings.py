"""Grade book settings: lock dates per term (R17) and the TT22 readings (R7, missed tests)."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from werkzeug.wrappers import Response

from app.core.authz import BGH, Role, allow, not_found, require
from app.core.htmx import redirect_to
from app.extensions import db
from app.gradebook import forms, policy, queries
from app.gradebook.services import settings
from app.gradebook.views import bp, form_errors, me
from app.school import queries as school_queries
from app.school.models import Term
from app.school.services import SchoolError


def _page(form: forms.SettingsForm, error: str | None = None, status: int = 200) -> tuple[str, int]:
    year = school_queries.current_year()
    terms = [t for t in queries.term_pair_of_year(year.id) if t] if year else []
    return render_template("gradebook/settings.html", form=form, year=year, terms=terms, error=error), status


@bp.route("/settings")
@allow(Role.ADMIN, BGH)
def settings_page() -> tuple[str, int]:
    require(policy.can_manage_settings(me()))
    current = settings.learning_settings()
    form = forms.SettingsForm(
        data={
            "adjustment_reading": current.adjustment_reading.value,
            "adjustment_counts_comment": current.adjustment_counts_comment_subjects,
            "missed_test_rule": settings.missed_test_rule(),
        }
    )
    return _page(form)


@bp.route("/settings", methods=["POST"])
@allow(Role.ADMIN, BGH)
def settings_save() -> Response | tuple[str, int]:
    require(policy.can_manage_settings(me()))
    form = forms.SettingsForm(request.form)
    if not form.validate():
        return _page(form, form_errors(form), 422)
    settings.save_settings(
        me(),
        adjustment_reading=form.adjustment_reading.data,
        adjustment_counts_comment=form.adjustment_counts_comment.data,
        missed_rule=form.missed_test_rule.data,
    )
    db.session.commit()
    flash("Đã lưu cài đặt sổ điểm.", "success")
    return redirect_to(url_for("gradebook.settings_page"))


@bp.route("/settings/lock-date", methods=["POST"])
@allow(Role.ADMIN, BGH)
def lock_date_save() -> Response | tuple[str, int]:
    require(policy.can_manage_settings(me()))
    form = forms.LockDateForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    term = db.session.get(Term, form.term_id.data)
    if term is None:
        not_found("term", form.term_id.data)
    try:
        settings.set_lock_date(me(), term, form.lock_date.data)
    except SchoolError as exc:
        db.session.rollback()
        return _page(forms.SettingsForm(), str(exc), 422)
    db.session.commit()
    flash(f"Đã lưu ngày khoá sổ {term.name}.", "success")
    return redirect_to(url_for("gradebook.settings_page"))
