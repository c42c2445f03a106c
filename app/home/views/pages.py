"""The landing page: what this person teaches and leads."""

from __future__ import annotations

from flask import render_template

from app.accounts.session import current_actor
from app.core.authz import ANY_STAFF, allow
from app.core.routing import Routes
from app.school import queries

routes = Routes()


@routes.route("/")
@allow(ANY_STAFF)
def index() -> str:
    user = current_actor()
    year = queries.current_year()
    return render_template(
        "home/index.html",
        year=year,
        classes=queries.classes_visible_to(user, year),
        assignments=queries.assignments_of(user, year),
        homerooms=queries.homeroom_classes_of(user, year),
    )
