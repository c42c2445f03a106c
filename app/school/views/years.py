"""School years, their terms and their hiệu trưởng (quản trị writes; BGH reads)."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, url_for

from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow
from app.core.database import unit_of_work
from app.core.errors import DomainError
from app.core.htmx import is_htmx, page_or_fragment, render_fragment
from app.core.routing import Routes
from app.school import queries, services
from app.school.forms import TermForm, YearForm, YearPrincipalForm
from app.school.models import SchoolYear, Term
from app.school.views.common import UNBOUND, bound, can_manage, done, invalid, staff_choices

routes = Routes()
READ = (Role.ADMIN, BGH)


def term_form(term: Term) -> TermForm:
    return TermForm(obj=term, prefix=f"term{term.id}", **UNBOUND)


def principal_form(year: SchoolYear, formdata: bool = False) -> YearPrincipalForm:
    form = YearPrincipalForm(prefix=f"p{year.id}", **bound(formdata))
    form.user_id.choices = staff_choices("— không có tài khoản (chỉ ghi họ tên) —", queries.principal_choices(year))
    if not formdata:
        now = queries.principal_of(year)  # the form proposes who is hiệu trưởng today
        form.user_id.data = now.user_id if now else None
    return form


def _years_ctx(form: YearForm | None = None) -> dict[str, Any]:
    manage = can_manage()
    years = queries.years_with_terms()
    return {
        "years": years,
        "can_manage": manage,
        "term_errors": {},
        "principals": {y.id: queries.principals_of(y) for y in years},
        "defaults": {y.id: queries.principal_of(y) for y in years},
        "principal_forms": {y.id: principal_form(y) for y in years} if manage else {},
        "principal_errors": {},
        "form": form or (YearForm() if manage else None),
        "term_forms": {t.id: term_form(t) for y in years for t in y.terms} if manage else {},
        "action": url_for("school.year_create"),
        "form_id": "year-form",
        "form_title": "Thêm năm học",
        "submit": "Tạo năm học",
    }


@routes.route("/admin/years")
@allow(*READ)
def years() -> str:
    return render_template("school/admin_years.html", **_years_ctx())


@routes.route("/admin/years", methods=["POST"])
@allow(Role.ADMIN)
def year_create() -> Response:
    form = YearForm()
    if not form.validate():
        return invalid("school/admin_years.html", "school/_form.html", **_years_ctx(form))
    with unit_of_work(catch=True) as work:
        year = services.create_year(current_actor(), **form.year_fields())
    if work.error:
        return invalid("school/admin_years.html", "school/_form.html", work.error, **_years_ctx(form))
    return done(f"Đã tạo năm học {year.name}.", url_for("school.years"))


@routes.route("/admin/years/<int:year_id>/current", methods=["POST"])
@allow(Role.ADMIN)
def year_make_current(year_id: int) -> Response:
    year = queries.get_year(year_id)
    with unit_of_work():
        services.set_current_year(current_actor(), year)
    return done(f"Năm học {year.name} là năm học hiện tại.", url_for("school.years"))


def _term_invalid(term: Term, form: TermForm, error: DomainError | None = None) -> Response:
    ctx = _years_ctx()
    ctx["term_forms"][term.id] = form
    ctx["term_errors"][term.id] = error.message if error else None
    status = error.status if error else 422
    return page_or_fragment(
        "school/admin_years.html", "school/_term_row.html", status, term=term, term_form=form, **ctx
    )


@routes.route("/admin/terms/<int:term_id>", methods=["POST"])
@allow(Role.ADMIN)
def term_update(term_id: int) -> Response:
    term = queries.get_term(term_id)
    form = TermForm(prefix=f"term{term.id}")
    if not form.validate():
        return _term_invalid(term, form)
    with unit_of_work(catch=True) as work:
        services.update_term(current_actor(), term, **form.term_fields())
    if work.error:
        return _term_invalid(term, form, work.error)
    if not is_htmx():
        return done(f"Đã lưu {term.name} năm học {term.year.name}.", url_for("school.years"))
    return render_fragment(
        "school/_term_row.html", trigger="termSaved", term=term, term_form=term_form(term), saved=True, can_manage=True
    )


def _principal_invalid(year: SchoolYear, form: YearPrincipalForm, error: DomainError | None = None) -> Response:
    ctx = _years_ctx()
    ctx["principal_forms"][year.id] = form
    ctx["principal_errors"][year.id] = error.message if error else None
    status = error.status if error else 422
    return page_or_fragment("school/admin_years.html", "school/_year_principal.html", status, y=year, **ctx)


@routes.route("/admin/years/<int:year_id>/principal", methods=["POST"])
@allow(Role.ADMIN)
def year_principal_set(year_id: int) -> Response:
    year = queries.get_year(year_id)
    form = principal_form(year, formdata=True)
    if not form.validate():
        return _principal_invalid(year, form)
    with unit_of_work(catch=True) as work:
        row = services.set_year_principal(current_actor(), year, **form.principal_fields())
    if work.error:
        return _principal_invalid(year, form, work.error)
    return done(f"Đã ghi nhận hiệu trưởng năm học {year.name}: {row.full_name}.", url_for("school.years"))


@routes.route("/admin/principals/<int:principal_id>/delete", methods=["POST"])
@allow(Role.ADMIN)
def year_principal_delete(principal_id: int) -> Response:
    row = queries.get_year_principal(principal_id)
    year_name, name = row.year.name, row.full_name
    with unit_of_work():
        services.remove_year_principal(current_actor(), row)
    return done(f"Đã xoá {name} khỏi danh sách hiệu trưởng năm học {year_name}.", url_for("school.years"))
