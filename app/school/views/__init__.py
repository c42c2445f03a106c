"""The school blueprint: class pages for every staff member, admin screens, imports.

Split by concept: classes (class lists, class page, roster export, student page),
admin (hub, school info, years and terms), structure (departments, subjects,
classes), assignments (per-class grid), students (create/edit), imports.
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.audit import registry
from app.school import queries

bp = Blueprint("school", __name__, url_prefix="/school")


@bp.record_once
def _tell_audit(state: BlueprintSetupState) -> None:
    registry.register_actor_groups(state.app, queries.department_names_of)


from app.school.views import (  # noqa: E402,F401  (route registration)
    admin,
    assignments,
    classes,
    imports,
    structure,
    students,
)
