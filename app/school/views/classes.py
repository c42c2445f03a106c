"""Class lists and the class page (every staff member, scoped), roster export, student page."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, make_response, render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.core.authz import ANY_STAFF, allow, require
from app.core.database import intend_write
from app.core.models import utcnow
from app.core.vn import collation_key
from app.extensions import db
from app.school import exports, policy, queries, services
from app.school.imports import roster
from app.school.models import Enrollment, SchoolClass, TeachingAssignment
from app.school.views import bp
from app.school.views.common import actor

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.route("/classes")
@allow(ANY_STAFF)
def classes() -> str:
    user = actor()
    year = queries.current_year()
    return render_template("school/classes.html", year=year, classes=queries.classes_visible_to(user, year))


def class_assignments(school_class: SchoolClass) -> list[TeachingAssignment]:
    stmt = (
        select(TeachingAssignment)
        .where(TeachingAssignment.class_id == school_class.id)
        .options(joinedload(TeachingAssignment.subject), joinedload(TeachingAssignment.teacher))
    )
    return sorted(
        db.session.scalars(stmt).unique(), key=lambda a: (a.subject.sort_order, collation_key(a.subject.name))
    )


@bp.route("/classes/<int:class_id>")
@allow(ANY_STAFF)
def class_detail(class_id: int) -> str:
    user = actor()
    school_class = queries.get_class_for(user, class_id)
    return render_template(
        "school/class_detail.html",
        school_class=school_class,
        students=queries.students_of_class(school_class),
        assignments=class_assignments(school_class),
        show_sensitive=policy.can_see_sensitive(user, school_class),
        can_export=policy.can_export_roster(user, school_class),
        can_manage=policy.can_manage_school(user),
    )


def attachment(data: bytes, filename: str, ascii_name: str, mimetype: str = XLSX) -> Response:
    response = make_response(data)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.route("/classes/<int:class_id>/export.xlsx")
@allow(ANY_STAFF)
def export_roster(class_id: int) -> Response:
    user = actor()
    school_class = queries.get_class_for(user, class_id)
    require(policy.can_export_roster(user, school_class))
    students = queries.students_of_class(school_class)
    with_ids = policy.can_export_national_ids(user)
    data = exports.roster_workbook(
        school_class,
        students,
        columns=roster.COLUMNS,
        include_national_id=with_ids,
        exported_by=user.full_name,
        exported_at=utcnow(),
    )
    name = f"danh-sach-lop-{school_class.name}-{school_class.year.name}.xlsx"
    # the export is logged: end the read transaction so the write starts as one (SQLite)
    db.session.rollback()
    intend_write()
    services.record_roster_export(user, school_class, len(students), with_ids)
    db.session.commit()
    return attachment(data, name, name)


@bp.route("/students/<int:student_id>")
@allow(ANY_STAFF)
def student_detail(student_id: int) -> str:
    user = actor()
    student = queries.get_student_for(user, student_id)
    visible = select(Enrollment).where(
        Enrollment.student_id == student.id, Enrollment.class_id.in_(queries.visible_class_ids_stmt(user))
    )
    enrollment = db.session.scalars(
        visible.options(joinedload(Enrollment.school_class)).order_by(Enrollment.year_id.desc())
    ).first()
    school_class = enrollment.school_class if enrollment else None
    return render_template(
        "school/student_detail.html",
        student=student,
        school_class=school_class,
        show_sensitive=bool(school_class) and policy.can_see_sensitive(user, school_class),
        can_edit=policy.can_edit_student(user, student),
    )
