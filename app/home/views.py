from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from app.core.authz import ANY_STAFF, Role, allow
from app.home.nav import nav_items
from app.school import queries

bp = Blueprint("home", __name__)


@bp.app_context_processor
def _navigation() -> dict:
    return {"nav_items": nav_items, "Role": Role}


@bp.route("/")
@allow(ANY_STAFF)
def index() -> str:
    user = current_user._get_current_object()
    year = queries.current_year()
    return render_template(
        "home/index.html",
        year=year,
        classes=queries.classes_visible_to(user, year),
        assignments=queries.assignments_of(user, year),
        homerooms=queries.homeroom_classes_of(user, year),
    )
