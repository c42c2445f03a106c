"""Blueprint "home": the landing page of every staff member, and the main navigation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from app.core.authz import Role
from app.home.nav import nav_items
from app.home.views import pages

bp = Blueprint("home", __name__)
pages.routes.register(bp)


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    return {"nav_items": nav_items, "Role": Role}
