"""The school blueprint: class pages for every staff member, admin screens, imports.

Split by concept: classes (class lists, class page, roster export, student page),
admin (hub, school info, years and terms), structure (departments, subjects,
classes), assignments (per-class grid), students (create/edit), imports.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("school", __name__, url_prefix="/school")

from app.school.views import (  # noqa: E402,F401  (route registration)
    admin,
    assignments,
    classes,
    imports,
    structure,
    students,
)
