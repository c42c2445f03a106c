"""The parent's pages (public: a parent has no account). GET /p/<token> is a neutral
landing page (no name, nothing consumed: messaging apps' preview bots fetch it); its
POST opens the link and redirects to the token-free /p/view, holding access in a
short-lived cookie. Every page reads only the principal's own student."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.core import files
from app.core.authz import public
from app.core.database import unit_of_work
from app.core.models import utcnow
from app.core.routing import Routes
from app.parents import delivery, messages, pages, queries, services
from app.parents.forms import AckForm, OpenForm
from app.parents.models import ParentLink
from app.parents.views import common

routes = Routes()


def _usable_link(token: str) -> tuple[str, ParentLink]:
    """(hash, link) of a usable link, or the plain 404 (the same for every reason)."""
    hashed, link = queries.link_by_token(token if len(token) <= 100 else "")
    if link is None or not link.usable(utcnow()):
        reason = "unknown" if link is None else ("revoked" if link.revoked_at else "expired")
        common.plain_404(hashed, reason, link.id if link else None)
    return hashed, link


@routes.route("/p/<token>", methods=["GET"])
@public
@common.limit_failures
def landing(token: str) -> str:
    _usable_link(token)
    return render_template("parents/landing.html", form=OpenForm(), need_dob=services.second_factor_required())


@routes.route("/p/<token>", methods=["POST"])
@public
@common.limit_failures
def open_link(token: str) -> Response | tuple[str, int]:
    hashed, link = _usable_link(token)
    link_id = link.id
    form = OpenForm(request.form)
    form.validate()
    with unit_of_work():
        result = services.open_link(link, form.birth_date.data, utcnow())
    services.log_access("open" if result.ok else "failed", result.outcome, hashed, link_id)
    if not result.ok:
        status = 429 if result.outcome == "locked" else 422
        page = render_template("parents/landing.html", form=form, need_dob=True, error=result.message)
        return page, status
    return common.with_cookie(redirect(url_for("parents.view"), 303), link_id, hashed)


@routes.route("/p/view")
@public
@common.limit_failures
def view() -> str:
    who = common.principal()
    services.log_access("view", "ok", link_id=who.link_id)
    inbox = pages.inbox(who)
    if inbox["new_ids"]:
        with unit_of_work(fresh=True):  # the read receipt: the first time the family saw each message
            messages.mark_read(who, inbox["messages"], utcnow())
    return render_template("parents/view.html", **pages.overview(who), **inbox)


@routes.route("/p/view/<int:snapshot_id>")
@public
@common.limit_failures
def point(snapshot_id: int) -> str:
    who = common.principal()
    snapshot = common.own_point(who, snapshot_id)
    services.log_access("view", "ok", link_id=who.link_id)
    return render_template("parents/point.html", form=AckForm(), **pages.point(who, snapshot))


@routes.route("/p/view/<int:snapshot_id>/pdf")
@public
@common.limit_failures
def download(snapshot_id: int) -> Response:
    who = common.principal()
    doc = queries.issued_for(who, common.own_point(who, snapshot_id))
    if doc is None:
        common.plain_404(outcome="no_document", link_id=who.link_id)
    with unit_of_work(fresh=True):  # the issued file + the line "Cấp cho phụ huynh của …" (made once a day)
        data = delivery.parent_copy(who, doc)
    services.log_access("download", "ok", link_id=who.link_id)
    return files.attachment(data, doc.file_name, "application/pdf")


@routes.route("/p/view/<int:snapshot_id>/ack", methods=["POST"])
@public
@common.limit_failures
def acknowledge(snapshot_id: int) -> Response | tuple[str, int]:
    who = common.principal()
    snapshot = common.own_point(who, snapshot_id)
    form = AckForm(request.form)
    if not form.validate():
        return render_template("parents/point.html", form=form, **pages.point(who, snapshot)), 422
    with unit_of_work():
        services.acknowledge(who, snapshot, form.reply.data)
    services.log_access("ack", "ok", link_id=who.link_id)
    return redirect(url_for("parents.point", snapshot_id=snapshot_id), 303)
