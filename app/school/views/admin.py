"""Admin hub, school information, school years and terms (quản trị writes; BGH reads)."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.authz import BGH, Role, allow, found
from app.core.htmx import is_htmx, page_or_fragment, render_fragment
from app.extensions import db
from app.school import queries, services
from app.school.forms import SchoolInfoForm, TermForm, YearForm
from app.school.models import (
    Department,
    Enrollment,
    School,
    SchoolClass,
    SchoolYear,
    Subject,
    Term,
)
from app.school.views import bp
from app.school.views.common import actor, can_manage, done, invalid

READ = (Role.ADMIN, BGH)


def _count(stmt: Any) -> int:
    return db.session.scalar(stmt) or 0


@bp.route("/admin")
@allow(*READ)
def admin_index() -> str:
    year = queries.current_year()
    year_id = year.id if year else -1
    counts = {
        "staff": _count(select(func.count()).select_from(User).where(User.active.is_(True))),
        "departments": _count(select(func.count()).select_from(Department)),
        "subjects": _count(select(func.count()).select_from(Subject)),
        "classes": _count(select(func.count()).select_from(SchoolClass).where(SchoolClass.year_id == year_id)),
        "students": _count(select(func.count()).select_from(Enrollment).where(Enrollment.year_id == year_id)),
    }
    school = db.session.scalars(select(School).limit(1)).first()
    return render_template("school/admin_index.html", year=year, school=school, counts=counts, can_manage=can_manage())


# --- school information ------------------------------------------------------------


def _school() -> School | None:
    return db.session.scalars(select(School).limit(1)).first()


@bp.route("/admin/school")
@allow(*READ)
def school_info() -> str:
    school = _school()
    form = SchoolInfoForm(obj=school) if can_manage() else None
    return render_template(
        "school/admin_school.html", school=school, form=form, can_manage=can_manage(), **_school_form_ctx()
    )


@bp.route("/admin/school", methods=["POST"])
@allow(Role.ADMIN)
def school_info_save() -> Response:
    form = SchoolInfoForm()
    if not form.validate():
        return invalid(
            "school/admin_school.html",
            "school/_form.html",
            school=_school(),
            form=form,
            can_manage=True,
            **_school_form_ctx(),
        )
    services.save_school(actor(), **{k: v for k, v in form.data.items() if k != "csrf_token"})
    db.session.commit()
    return done("Đã lưu thông tin trường.", url_for("school.school_info"))


def _school_form_ctx() -> dict[str, Any]:
    return {"action": url_for("school.school_info_save"), "form_id": "school-form", "form_title": "Thông tin trường"}


# --- school years and terms --------------------------------------------------------------


def _years() -> list[SchoolYear]:
    stmt = select(SchoolYear).options(selectinload(SchoolYear.terms)).order_by(SchoolYear.start_year.desc())
    return list(db.session.scalars(stmt))


def term_form(term: Term) -> TermForm:
    return TermForm(obj=term, formdata=None, prefix=f"term{term.id}")


def _years_ctx(form: YearForm | None = None, error: str | None = None) -> dict[str, Any]:
    manage = can_manage()
    years = _years()
    return {
        "years": years,
        "can_manage": manage,
        "error": error,
        "term_errors": {},
        "form": form or (YearForm() if manage else None),
        "term_forms": {t.id: term_form(t) for y in years for t in y.terms} if manage else {},
        "action": url_for("school.year_create"),
        "form_id": "year-form",
        "form_title": "Thêm năm học",
        "submit": "Tạo năm học",
    }


@bp.route("/admin/years")
@allow(*READ)
def years() -> str:
    return render_template("school/admin_years.html", **_years_ctx())


@bp.route("/admin/years", methods=["POST"])
@allow(Role.ADMIN)
def year_create() -> Response:
    form = YearForm()
    if form.validate():
        try:
            year = services.create_year(
                actor(),
                form.start_year.data,
                form.start_date.data,
                form.end_date.data,
                ((form.term1_start.data, form.term1_end.data), (form.term2_start.data, form.term2_end.data)),
                make_current=form.make_current.data,
            )
        except services.SchoolError as exc:
            db.session.rollback()
            return invalid("school/admin_years.html", "school/_form.html", **_years_ctx(form, str(exc)))
        db.session.commit()
        return done(f"Đã tạo năm học {year.name}.", url_for("school.years"))
    return invalid("school/admin_years.html", "school/_form.html", **_years_ctx(form))


@bp.route("/admin/years/<int:year_id>/current", methods=["POST"])
@allow(Role.ADMIN)
def year_make_current(year_id: int) -> Response:
    year = found(db.session.get(SchoolYear, year_id), "school_year", year_id)
    services.set_current_year(actor(), year)
    db.session.commit()
    return done(f"Năm học {year.name} là năm học hiện tại.", url_for("school.years"))


@bp.route("/admin/terms/<int:term_id>", methods=["POST"])
@allow(Role.ADMIN)
def term_update(term_id: int) -> Response:
    term = found(db.session.get(Term, term_id), "term", term_id)
    form = TermForm(prefix=f"term{term.id}")
    error = None
    if form.validate():
        try:
            services.update_term(
                actor(),
                term,
                start_date=form.start_date.data,
                end_date=form.end_date.data,
                lock_date=form.lock_date.data,
            )
        except services.SchoolError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            return _term_saved(term)
    ctx = _years_ctx()
    ctx["term_forms"][term.id] = form
    ctx["term_errors"][term.id] = error
    return page_or_fragment(
        "school/admin_years.html",
        "school/_term_row.html",
        status=422,
        term=db.session.get(Term, term_id),
        term_form=form,
        **ctx,
    )


def _term_saved(term: Term) -> Response:
    if not is_htmx():
        return done(f"Đã lưu {term.name} năm học {term.year.name}.", url_for("school.years"))
    return render_fragment(
        "school/_term_row.html", trigger="termSaved", term=term, term_form=term_form(term), saved=True, can_manage=True
    )
