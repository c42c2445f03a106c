"""Signing: the documents awaiting my signature, one document's page (its signatures in
order, the form to sign with my password), signing, sealing, and the signed PDF. The
batches (a class, the school) are in views/batches.py."""

from __future__ import annotations

from flask import render_template, request, url_for
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.accounts.session import current_actor
from app.core import files
from app.core.authz import BGH, allow, require
from app.core.database import unit_of_work
from app.core.errors import DomainError
from app.core.routing import Routes
from app.reports.models import IssuedDocument
from app.signing import forms, policy, queries, services
from app.signing.models import STEP_LABELS
from app.signing.views.common import SIGNERS, check, redirect_with

routes = Routes()


@routes.route("/signing/documents")
@allow(SIGNERS)
def awaiting() -> str:
    user = current_actor()
    items = queries.awaiting(user)
    return render_template(
        "signing/awaiting.html", items=items, labels=STEP_LABELS, certificate=queries.active_certificate(user),
        batches=queries.batch_classes(items) if policy.is_bgh(user) else [], form=forms.SignForm(),
        school_count=len(queries.batch_documents(user)) if policy.is_bgh(user) else 0,
        jobs=queries.recent_jobs(5) if policy.can_see_signing_job(user) else [],
        may_revoke=policy.can_revoke_document(user),
    )  # fmt: skip


@routes.route("/signing/documents/<int:document_id>")
@allow(SIGNERS)
def document(document_id: int) -> str:
    user = current_actor()
    return _document_page(user, queries.signable_document(user, document_id))


@routes.route("/signing/documents/<int:document_id>/sign", methods=["POST"])
@allow(SIGNERS)
def sign(document_id: int) -> Response | tuple[str, int]:
    user = current_actor()
    doc = queries.signable_document(user, document_id)
    form = forms.SignForm(request.form)
    try:
        check(form)
        with unit_of_work():
            done = services.signing.sign_then_seal(user, doc, form.password.data or "")
    except DomainError as refused:  # wrong password, expired certificate, out of order: the page again, saying why
        return _document_page(user, queries.signable_document(user, document_id), refused.message), refused.status
    steps = ", ".join(STEP_LABELS[s.step].lower() for s in done)
    return redirect_with(f"Đã ký văn bản {doc.code} ({steps}).", url_for("signing.document", document_id=doc.id))


def _document_page(user: User, doc: IssuedDocument, error: str | None = None) -> str:
    step = queries.next_step(doc.id)
    mine = step is not None and policy.can_sign_step(user, step, doc.school_class.homeroom_teacher_id)
    return render_template(
        "signing/document.html", doc=doc, signatures=queries.signatures_of(doc.id), step=step, mine=mine,
        labels=STEP_LABELS, form=forms.SignForm(), certificate=queries.active_certificate(user),
        seal=services.seal_configured(), error=error, may_revoke=policy.can_revoke_document(user),
    )  # fmt: skip


@routes.route("/signing/documents/<int:document_id>/seal", methods=["POST"])
@allow(BGH)
def seal(document_id: int) -> Response:
    user = current_actor()
    doc = queries.signable_document(user, document_id)
    require(policy.is_bgh(user), "signing.seal")
    with unit_of_work():
        services.seal(user, doc)
    return redirect_with(f"Đã đóng dấu văn bản {doc.code}.", url_for("signing.document", document_id=doc.id))


@routes.route("/signing/documents/<int:document_id>/pdf")
@allow(SIGNERS)
def signed_pdf(document_id: int) -> Response:
    user = current_actor()
    doc = queries.signable_document(user, document_id)
    sha, name = services.current_sha256(doc), doc.file_name
    with unit_of_work(fresh=True):
        services.signing.record_download(user, queries.signable_document(user, document_id), sha)
    return files.attachment(files.path_for(sha), name, "application/pdf")
