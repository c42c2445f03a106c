"""Revoking an issued document (BGH): find it by its code (printed on every page), see what
it is, revoke it with a reason. /verify then says "Đã thu hồi" with the date."""

from __future__ import annotations

from flask import render_template, request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import BGH, allow
from app.core.database import unit_of_work
from app.core.errors import DomainError
from app.core.routing import Routes
from app.signing import forms, queries, services, verification
from app.signing.models import REVOKE_REASONS
from app.signing.views.common import redirect_with

routes = Routes()


@routes.route("/signing/revoke")
@allow(BGH)
def revoke_page() -> tuple[str, int]:
    user = current_actor()
    typed = request.args.get("code", "").strip()
    code = verification.normalise_code(typed) if typed else None
    doc = queries.revocable_by_code(user, code) if code else None
    status = 404 if typed and doc is None else 200
    return _page(doc, typed, forms.RevokeForm()), status


def _page(doc: object, typed: str, form: forms.RevokeForm, error: str | None = None) -> str:
    return render_template("signing/revoke.html", doc=doc, typed=typed, form=form, reasons=REVOKE_REASONS, error=error)


@routes.route("/signing/documents/<int:document_id>/revoke", methods=["POST"])
@allow(BGH)
def revoke(document_id: int) -> Response | tuple[str, int]:
    user = current_actor()
    doc = queries.revocable_document(user, document_id)
    form = forms.RevokeForm(request.form)
    try:
        if not form.validate():
            raise DomainError(" ".join(e for errs in form.errors.values() for e in errs))
        with unit_of_work():
            services.revoking.revoke(user, doc, form.reason.data or "", form.note.data or "")
    except DomainError as refused:
        return _page(queries.revocable_document(user, document_id), doc.code, form, refused.message), refused.status
    return redirect_with(f"Đã thu hồi văn bản {doc.code}.", url_for("signing.revoke_page", code=doc.code))
