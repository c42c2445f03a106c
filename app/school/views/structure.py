"""Departments (tổ chuyên môn), subjects and classes (quản trị writes; BGH reads)."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.core.authz import BGH, Role, allow, found
from app.core.htmx import is_htmx, render_fragment
from app.core.routing import db_id
from app.core.vn import collation_key
from app.extensions import db
from app.school import queries, services
from app.school.forms import ClassForm, DepartmentForm, HomeroomForm, SubjectForm, choices
from app.school.models import Department, SchoolClass, SchoolYear, Subject
from app.school.views import bp
from app.school.views.common import actor, can_manage, done, invalid, staff_choices

READ = (Role.ADMIN, BGH)


# --- departments ---------------------------------------------------------------------------


def _departments() -> list[Department]:
    stmt = select(Department).options(
        selectinload(Department.head), selectinload(Department.deputy), selectinload(Department.subjects)
    )
    return sorted(db.session.scalars(stmt), key=lambda d: collation_key(d.name))


def _members() -> dict[int, list[User]]:
    members: dict[int, list[User]] = {}
    for user in db.session.scalars(select(User).where(User.active.is_(True), User.department_id.is_not(None))):
        members.setdefault(user.department_id, []).append(user)  # type: ignore[arg-type]
    return {k: sorted(v, key=lambda u: u.sort_key) for k, v in members.items()}


def department_form(dept: Department | None = None, formdata: Any = ...) -> DepartmentForm:
    kwargs = {} if formdata is ... else {"formdata": formdata}
    form = DepartmentForm(obj=dept, **kwargs)
    form.head_id.choices = staff_choices()
    form.deputy_id.choices = staff_choices()
    return form


def _departments_ctx(form: DepartmentForm | None = None, error: str | None = None) -> dict:
    manage = can_manage()
    return {
        "departments": _departments(),
        "members": _members(),
        "can_manage": manage,
        "form": form or (department_form(formdata=None) if manage else None),
        "error": error,
        "action": url_for("school.department_create"),
        "form_id": "department-form",
        "form_title": "Thêm tổ chuyên môn",
        "submit": "Thêm tổ",
    }


@bp.route("/admin/departments")
@allow(*READ)
def departments() -> str:
    return render_template("school/admin_departments.html", **_departments_ctx())


@bp.route("/admin/departments", methods=["POST"])
@allow(Role.ADMIN)
def department_create() -> Response:
    form = department_form()
    if form.validate():
        try:
            dept = services.create_department(actor(), form.name.data, form.head_id.data, form.deputy_id.data)
        except services.SchoolError as exc:
            db.session.rollback()
            return invalid("school/admin_departments.html", "school/_form.html", **_departments_ctx(form, str(exc)))
        db.session.commit()
        return done(f"Đã thêm tổ {dept.name}.", url_for("school.departments"))
    return invalid("school/admin_departments.html", "school/_form.html", **_departments_ctx(form))


def _department_edit_ctx(dept: Department, form: DepartmentForm, error: str | None = None) -> dict:
    return {
        "department": dept,
        "form": form,
        "error": error,
        "can_manage": True,
        "action": url_for("school.department_edit", department_id=dept.id),
        "form_id": f"department-{dept.id}-form",
        "form_title": f"Sửa tổ {dept.name}",
    }


@bp.route("/admin/departments/<int:department_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def department_edit(department_id: int) -> Response | str:
    dept = found(db.session.get(Department, department_id), "department", department_id)
    form = department_form(dept) if request.method == "POST" else department_form(dept, None)
    if request.method == "GET":
        return render_template("school/form_page.html", **_department_edit_ctx(dept, form))
    if form.validate():
        try:
            services.update_department(
                actor(), dept, name=form.name.data, head_id=form.head_id.data, deputy_id=form.deputy_id.data
            )
        except services.SchoolError as exc:
            db.session.rollback()
            return invalid("school/form_page.html", "school/_form.html", **_department_edit_ctx(dept, form, str(exc)))
        db.session.commit()
        return done(f"Đã lưu tổ {dept.name}.", url_for("school.departments"))
    return invalid("school/form_page.html", "school/_form.html", **_department_edit_ctx(dept, form))


# --- subjects ------------------------------------------------------------------------------


def subject_form(subject: Subject | None = None, formdata: Any = ...) -> SubjectForm:
    kwargs = {} if formdata is ... else {"formdata": formdata}
    form = SubjectForm(obj=subject, **kwargs)
    form.department_id.choices = choices([(d.id, d.name) for d in _departments()], "— không thuộc tổ —")
    if subject is not None and formdata is None:
        for grade in SubjectForm.GRADES:
            getattr(form, f"p{grade}").data = subject.periods_for(grade)
    return form


def _subjects() -> list[Subject]:
    stmt = select(Subject).options(selectinload(Subject.periods), selectinload(Subject.department))
    return list(db.session.scalars(stmt.order_by(Subject.sort_order, Subject.name)))


def _subjects_ctx(form: SubjectForm | None = None, error: str | None = None) -> dict:
    manage = can_manage()
    return {
        "subjects": _subjects(),
        "grades": list(SubjectForm.GRADES),
        "can_manage": manage,
        "form": form or (subject_form(formdata=None) if manage else None),
        "error": error,
        "action": url_for("school.subject_create"),
        "form_id": "subject-form",
        "form_title": "Thêm môn học",
        "submit": "Thêm môn",
    }


@bp.route("/admin/subjects")
@allow(*READ)
def subjects() -> str:
    return render_template("school/admin_subjects.html", **_subjects_ctx())


@bp.route("/admin/subjects", methods=["POST"])
@allow(Role.ADMIN)
def subject_create() -> Response:
    form = subject_form()
    if form.validate():
        try:
            subject = services.create_subject(
                actor(),
                code=form.code.data,
                name=form.name.data,
                assessment_kind=form.assessment_kind.data,
                department_id=form.department_id.data,
                periods=form.periods(),
                sort_order=form.sort_order.data or 0,
            )
        except services.SchoolError as exc:
            db.session.rollback()
            return invalid("school/admin_subjects.html", "school/_form.html", **_subjects_ctx(form, str(exc)))
        db.session.commit()
        return done(f"Đã thêm môn {subject.name}.", url_for("school.subjects"))
    return invalid("school/admin_subjects.html", "school/_form.html", **_subjects_ctx(form))


def _subject_edit_ctx(subject: Subject, form: SubjectForm, error: str | None = None) -> dict:
    form.code.render_kw = {"readonly": True}
    return {
        "subject": subject,
        "form": form,
        "error": error,
        "can_manage": True,
        "action": url_for("school.subject_edit", subject_id=subject.id),
        "form_id": f"subject-{subject.id}-form",
        "form_title": f"Sửa môn {subject.name}",
    }


@bp.route("/admin/subjects/<int:subject_id>", methods=["GET", "POST"])
@allow(Role.ADMIN)
def subject_edit(subject_id: int) -> Response | str:
    subject = found(db.session.get(Subject, subject_id), "subject", subject_id)
    if request.method == "GET":
        return render_template("school/form_page.html", **_subject_edit_ctx(subject, subject_form(subject, None)))
    form = subject_form(subject)
    form.code.data = subject.code  # the code never changes (other records refer to it)
    if form.validate():
        try:
            services.update_subject(
                actor(),
                subject,
                name=form.name.data,
                assessment_kind=form.assessment_kind.data,
                department_id=form.department_id.data,
                periods=form.periods(),
            )
        except services.SchoolError as exc:
            db.session.rollback()
            return invalid("school/form_page.html", "school/_form.html", **_subject_edit_ctx(subject, form, str(exc)))
        db.session.commit()
        return done(f"Đã lưu môn {subject.name}.", url_for("school.subjects"))
    return invalid("school/form_page.html", "school/_form.html", **_subject_edit_ctx(subject, form))


# --- classes -------------------------------------------------------------------------------


def _year_from_request() -> SchoolYear | None:
    year_id = request.args.get("year", type=db_id)
    if year_id:
        return found(db.session.get(SchoolYear, year_id), "school_year", year_id)
    return queries.current_year()


def class_form(year: SchoolYear | None, formdata: Any = ...) -> ClassForm:
    kwargs = {} if formdata is ... else {"formdata": formdata}
    form = ClassForm(**kwargs)
    years = db.session.scalars(select(SchoolYear).order_by(SchoolYear.start_year.desc()))
    form.year_id.choices = choices([(y.id, y.name) for y in years])
    if year is not None and form.year_id.data is None:
        form.year_id.data = year.id
    form.homeroom_teacher_id.choices = staff_choices()
    return form


def _classes_ctx(year: SchoolYear | None, form: ClassForm | None = None, error: str | None = None) -> dict:
    manage = can_manage()
    classes: list[SchoolClass] = []
    if year is not None:
        classes = list(
            db.session.scalars(
                select(SchoolClass)
                .where(SchoolClass.year_id == year.id)
                .options(selectinload(SchoolClass.homeroom_teacher))
                .order_by(SchoolClass.grade_level, SchoolClass.name)
            )
        )
    teachers = staff_choices("— chưa có GVCN —") if manage else []
    homeroom_forms = {}
    for c in classes if manage else []:
        f = HomeroomForm(obj=c, formdata=None, prefix=f"class{c.id}")
        f.homeroom_teacher_id.choices = teachers
        homeroom_forms[c.id] = f
    all_years = list(db.session.scalars(select(SchoolYear).order_by(SchoolYear.start_year.desc())))
    return {
        "year": year,
        "years": all_years,
        "classes": classes,
        "can_manage": manage,
        "homeroom_forms": homeroom_forms,
        "error": error,
        "form": form or (class_form(year, None) if manage and year else None),
        "action": url_for("school.class_create"),
        "form_id": "class-form",
        "form_title": "Thêm lớp",
        "submit": "Thêm lớp",
    }


@bp.route("/admin/classes")
@allow(*READ)
def classes_admin() -> str:
    return render_template("school/admin_classes.html", **_classes_ctx(_year_from_request()))


@bp.route("/admin/classes", methods=["POST"])
@allow(Role.ADMIN)
def class_create() -> Response:
    form = class_form(None)
    year = db.session.get(SchoolYear, form.year_id.data) if form.year_id.data else None
    if form.validate() and year is not None:
        try:
            cls = services.create_class(
                actor(), year, form.name.data, form.grade_level.data, form.homeroom_teacher_id.data
            )
        except services.SchoolError as exc:
            db.session.rollback()
            return invalid("school/admin_classes.html", "school/_form.html", **_classes_ctx(year, form, str(exc)))
        db.session.commit()
        return done(f"Đã thêm lớp {cls.name}.", url_for("school.classes_admin", year=year.id))
    return invalid("school/admin_classes.html", "school/_form.html", **_classes_ctx(year, form))


@bp.route("/admin/classes/<int:class_id>/homeroom", methods=["POST"])
@allow(Role.ADMIN)
def class_homeroom(class_id: int) -> Response:
    cls = found(db.session.get(SchoolClass, class_id), "class", class_id)
    form = HomeroomForm(prefix=f"class{cls.id}")
    form.homeroom_teacher_id.choices = staff_choices("— chưa có GVCN —")
    if not form.validate():
        return invalid(
            "school/admin_classes.html",
            "school/_homeroom_cell.html",
            **{**_classes_ctx(cls.year), "c": cls, "hform": form},
        )
    services.set_homeroom_teacher(actor(), cls, form.homeroom_teacher_id.data)
    db.session.commit()
    if not is_htmx():
        return done(f"Đã lưu GVCN lớp {cls.name}.", url_for("school.classes_admin", year=cls.year_id))
    return render_fragment("school/_homeroom_cell.html", trigger="homeroomSaved", c=cls, hform=form, saved=True)
