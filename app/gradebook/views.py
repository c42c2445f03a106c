"""Blueprint "gradebook": the list of grade books and opening one.

The other screens register on the same blueprint from views_grid.py (grid and cell
entry), views_io.py (xlsx export/import), views_review.py (submit, review, corrections),
views_homeroom.py (GVCN) and views_settings.py (lock dates, TT22 settings).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.core.authz import ANY_STAFF, Role, allow, not_found, require
from app.core.htmx import redirect_to
from app.core.routing import db_id
from app.extensions import db
from app.gradebook import forms, policy, queries
from app.gradebook.locking import lock_of, review_states
from app.gradebook.services import entry
from app.school import queries as school_queries
from app.school.models import Term

bp = Blueprint("gradebook", __name__, url_prefix="/gradebook")


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    from app.gradebook.services.corrections import CHAIN
    from app.gradebook.values import shown

    return {"shown": shown, "correction_chain": CHAIN}


def me() -> Any:
    return current_user._get_current_object()


def form_errors(form: Any) -> str:
    return " ".join(e for errs in form.errors.values() for e in errs) or "Dữ liệu gửi lên không hợp lệ."


def slot_status(slot: Any, reviews: dict[int, Any]) -> tuple[str, str]:
    """(label, badge class) of a (class, subject, term) slot on the list."""
    if slot.gradebook is None:
        return "Chưa mở sổ", ""
    lock = lock_of(slot.gradebook, slot.term, reviews[slot.gradebook.id])
    return {
        None: ("Đang nhập", "info"),
        "submitted": ("Chờ duyệt", "warn"),
        "approved": ("Đã duyệt, khoá", "ok"),
        "date": ("Đã khoá theo ngày", "ok"),
    }[lock.code]


@bp.route("/")
@allow(ANY_STAFF)
def index() -> str:
    user = me()
    year = school_queries.current_year()
    class_id = request.args.get("class_id", type=db_id)
    slots = queries.slots_for(user, year.id) if year else []
    mine = [s for s in slots if s.teacher_id == user.id]
    others = [s for s in slots if s.teacher_id != user.id]
    class_ids = sorted(
        {s.school_class.id: s.school_class for s in others}.values(),
        key=lambda c: (c.grade_level, c.name),
    )
    if len(class_ids) > 1 and len(others) > 60:
        chosen = class_id if class_id in {c.id for c in class_ids} else class_ids[0].id
        others = [s for s in others if s.school_class.id == chosen]
    else:
        chosen = None
    reviews = review_states([s.gradebook for s in mine + others if s.gradebook])
    return render_template(
        "gradebook/index.html",
        year=year,
        mine=mine,
        others=others,
        classes=class_ids,
        chosen=chosen,
        status=lambda slot: slot_status(slot, reviews),
        can_settings=policy.can_manage_settings(user),
    )


@bp.route("/open", methods=["POST"])
@allow(Role.TEACHER)
def open_book() -> Response:
    form = forms.OpenForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    user = me()
    found = queries.access_for(form.class_id.data, form.subject_id.data)
    term = db.session.get(Term, form.term_id.data)
    if found is None or term is None or term.year_id != found[0].year_id:
        not_found("class", form.class_id.data)
    cls, subject, access = found
    if not policy.can_read_grid(user, access):
        not_found("class", cls.id)
    require(policy.can_open_grid(user, access))
    gb = entry.open_gradebook(user, cls, subject, term, access)
    db.session.commit()
    return redirect_to(url_for("gradebook.grid", gradebook_id=gb.id))


# the other screens of the blueprint
from app.gradebook import (  # noqa: E402,F401
    views_exemptions,
    views_grid,
    views_homeroom,
    views_io,
    views_review,
    views_settings,
)
