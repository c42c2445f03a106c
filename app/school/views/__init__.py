"""Blueprint "school": class pages for every staff member, the admin screens, imports.

One page module per concept: classes (class lists, class page, roster export, student
page), admin (hub, school info), years (years and terms), departments, subjects,
classes_admin (classes and their GVCN), assignments (per-class grid), students
(create/edit), student_page (the student page, Chuyển lớp, chuyển trường / thôi học,
quá trình học tập), staff (accounts with their tổ), imports. Each declares its routes on its
own table; this module registers them, and tells audit the labels of every action the
school writes.
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.audit import registry
from app.school import imports as school_imports
from app.school import queries, services
from app.school.views import (
    admin,
    assignments,
    classes,
    classes_admin,
    departments,
    imports,
    staff,
    student_page,
    students,
    subjects,
    years,
)

bp = Blueprint("school", __name__, url_prefix="/school")
PAGES = (
    classes,
    admin,
    years,
    departments,
    subjects,
    classes_admin,
    assignments,
    students,
    student_page,
    staff,
    imports,
)
for page in PAGES:
    page.routes.register(bp)


@bp.record_once
def _tell_audit(state: BlueprintSetupState) -> None:
    registry.register_actions(state.app, {**services.ACTION_LABELS, **school_imports.ACTION_LABELS})
    registry.register_actor_groups(state.app, queries.department_names_of)
