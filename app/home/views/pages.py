"""The landing page: what this person teaches and leads."""

from __future__ import annotations

from flask import render_template

from app.accounts.session import current_actor
from app.audit import checkpoints
from app.audit import policy as audit_policy
from app.core.authz import ANY_STAFF, allow
from app.core.routing import Routes
from app.gradebook import locking
from app.home import queries
from app.privacy import queries as privacy_queries
from app.school import queries as school_queries

routes = Routes()

#: the home page shows this many of the classes in scope; the class list has them all
HOME_CLASS_TILES = 24


@routes.route("/")
@allow(ANY_STAFF)
def index() -> str:
    user = current_actor()
    year, today = school_queries.current_year(), locking.today_local()
    return render_template(
        "home/index.html",
        year=year,
        today=today,
        todo=queries.todo_for(user, year, today),
        classes=school_queries.class_page(user, year, per_page=HOME_CLASS_TILES),
        assignments=school_queries.assignments_of(user, year),
        homerooms=school_queries.homeroom_classes_of(user, year),
        anchor=checkpoints.status() if audit_policy.can_view_school_trail(user) else None,
        overdue_requests=privacy_queries.overdue_count(user, today),
    )
