from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.core.authz import ANY_STAFF, BGH, Role, allow
from app.school import queries

bp = Blueprint("school", __name__, url_prefix="/school")


@bp.route("/classes")
@allow(ANY_STAFF)
def classes() -> str:
    user = current_user._get_current_object()
    year = queries.current_year()
    return render_template("school/classes.html", year=year,
                           classes=queries.classes_visible_to(user, year))


@bp.route("/classes/<int:class_id>")
@allow(ANY_STAFF)
def class_detail(class_id: int) -> str:
    user = current_user._get_current_object()
    school_class = queries.get_class_for(user, class_id)
    return render_template(
        "school/class_detail.html",
        school_class=school_class,
        students=queries.students_of_class(school_class),
        assignments=sorted(school_class.assignments, key=lambda a: a.subject.sort_order),
        show_sensitive=queries.sees_whole_school(user),
    )


@bp.route("/admin")
@allow(Role.ADMIN, BGH)
def admin_index() -> str:
    return render_template("school/admin_index.html", year=queries.current_year())
