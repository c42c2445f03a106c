"""Class lists and the class page (every staff member, scoped), roster export."""

from __future__ import annotations

from flask import Response, render_template, request

from app.accounts.session import current_actor
from app.core.authz import ANY_STAFF, allow, require
from app.core.database import unit_of_work
from app.core.models import utcnow
from app.core.pagination import page_number
from app.core.routing import Routes
from app.core.xlsx import xlsx_response
from app.school import exports, policy, queries, services
from app.school.imports import roster

routes = Routes()


@routes.route("/classes")
@allow(ANY_STAFF)
def classes() -> str:
    year = queries.current_year()
    grade = request.args.get("grade", type=int)
    name = request.args.get("q", "").strip()[:40]
    page = queries.class_page(current_actor(), year, page_number(request.args.get("page")), grade, name)
    return render_template("school/classes.html", year=year, listing=page, grade=grade, query=name)


@routes.route("/classes/<int:class_id>")
@allow(ANY_STAFF)
def class_detail(class_id: int) -> str:
    user = current_actor()
    school_class = queries.get_class_for(user, class_id)
    return render_template(
        "school/class_detail.html",
        school_class=school_class,
        students=queries.students_of_class(school_class),
        assignments=queries.class_assignments(school_class),
        show_sensitive=policy.can_see_sensitive(user, school_class),
        can_export=policy.can_export_roster(user, school_class),
        can_manage=policy.can_manage_school(user),
    )


@routes.route("/classes/<int:class_id>/export.xlsx")
@allow(ANY_STAFF)
def export_roster(class_id: int) -> Response:
    user = current_actor()
    school_class = queries.get_class_for(user, class_id)
    require(policy.can_export_roster(user, school_class))
    students = queries.students_of_class(school_class)
    hidden = policy.hidden_student_fields(user, school_class)
    with_ids = "national_id" not in hidden
    data = exports.roster_workbook(
        school_class,
        students,
        columns=roster.COLUMNS,
        hidden=hidden,
        exported_by=user.full_name,
        exported_at=utcnow(),
    )
    name = f"danh-sach-lop-{school_class.name}-{school_class.year.name}.xlsx"
    # the export is audited: written in a fresh transaction, after the long read (SQLite)
    with unit_of_work(fresh=True):
        services.record_roster_export(user, school_class, len(students), with_ids)
    return xlsx_response(data, name)
