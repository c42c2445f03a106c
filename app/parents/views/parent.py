"""The parent's pages (public: a parent has no account). GET /p/<token> is a neutral
landing page (no name, nothing consumed: messaging apps' preview bots fetch it); its
POST opens the link and redirects to the token-free /p/view, holding access in a
short-lived cookie. Every page reads only the principal's own student."""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.core import files
from app.core.authz import public
from app.core.database import unit_of_work
from app.core.models import utcnow
from app.core.routing import Routes
from app.parents import consent, delivery, messages, pages, queries, services, tokens
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
    _, link = _usable_link(token)
    need_consent = consent.needs_consent(link.guardian_id)
    return render_template(
        "parents/landing.html", form=OpenForm(), need_dob=services.second_factor_required(), need_consent=need_consent
    )


@routes.route("/p/<token>", methods=["POST"])
@public
@common.limit_failures
def open_link(token: str) -> Response | tuple[str, int]:
    hashed, link = _usable_link(token)
    link_id = link.id
    form = OpenForm(request.form)
    form.validate()
    with unit_of_work():
        refusal = consent.refusal(link, bool(form.consent.data))
        result = services.open_link(link, form.birth_date.data, utcnow()) if refusal is None else None
        if result is not None and result.ok:
            consent.record_on_open(link, utcnow())
    if result is None or not result.ok:
        return _refused(form, hashed, link_id, result, refusal)
    services.log_access("open", result.outcome, hashed, link_id)
    return common.with_cookie(redirect(url_for("parents.view"), 303), link_id, hashed)


def _refused(
    form: OpenForm, hashed: str, link_id: int, result: services.OpenResult | None, refusal: str | None
) -> tuple[str, int]:
    """The landing page again: a missing consent tick (422), a wrong date of birth (422) or
    the lockout (429); the access log keeps the failed attempt."""
    outcome = "no_consent" if result is None else result.outcome
    services.log_access("failed", outcome, hashed, link_id)
    page = render_template(
        "parents/landing.html",
        form=form,
        need_dob=services.second_factor_required(),
        need_consent=result is None,
        error=refusal if result is None else result.message,
    )
    return page, 429 if outcome == "locked" else 422


@routes.route("/p/view/consent/withdraw", methods=["POST"])
@public
@common.limit_failures
def stop_consent() -> Response:
    """R21: the parent withdraws consent: every link of the guardian stops at once."""
    who = common.principal()
    with unit_of_work():
        consent.withdraw_by_parent(queries.link_of(who), utcnow())
    services.log_access("view", "consent_withdrawn", link_id=who.link_id)
    response = make_response(render_template("parents/withdrawn.html"))
    response.delete_cookie(tokens.cookie_name(), path="/")
    return response


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
