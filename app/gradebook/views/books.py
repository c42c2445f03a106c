"""The list of grade books, and opening one."""

from __future__ import annotations

from flask import render_template, request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import ANY_STAFF, Role, allow, require
from app.core.database import unit_of_work
from app.core.htmx import redirect_to
from app.core.routing import Routes, db_id
from app.gradebook import forms, policy, queries
from app.gradebook.locking import review_states
from app.gradebook.services import entry
from app.gradebook.views import common
from app.school import queries as school_queries

routes = Routes()


@routes.route("/")
@allow(ANY_STAFF)
def index() -> str:
    user = current_actor()
    year = school_queries.current_year()
    books = queries.book_list(user, year, request.args.get("class_id", type=db_id))
    reviews = review_states([s.gradebook for s in books.mine + books.others if s.gradebook])
    return render_template(
        "gradebook/index.html",
        year=year,
        mine=books.mine,
        others=books.others,
        classes=books.classes,
        chosen=books.chosen,
        status=lambda slot: common.slot_status(slot, reviews),
        can_settings=policy.can_manage_settings(user),
    )


@routes.route("/open", methods=["POST"])
@allow(Role.TEACHER)
def open_book() -> Response:
    form = forms.OpenForm(request.form)
    if not form.validate():
        common.invalid(form)
    user = current_actor()
    target = queries.open_target_for(user, form.class_id.data, form.subject_id.data, form.term_id.data)
    require(policy.can_open_grid(user, target.access))
    with unit_of_work():
        gradebook_id = entry.open_gradebook(user, target.school_class, target.subject, target.term, target.access).id
    return redirect_to(url_for("gradebook.grid", gradebook_id=gradebook_id))
