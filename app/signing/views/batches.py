"""The hiệu trưởng's batches: a class or the whole school signed (then sealed) as a
background job, its page with the progress bar (polled by htmx from the job's row), and
resuming a stopped job (the password typed again: the key is never kept)."""

from __future__ import annotations

from flask import request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import BGH, allow
from app.core.database import unit_of_work
from app.core.htmx import page_or_fragment
from app.core.routing import Routes
from app.signing import forms, policy, queries, services
from app.signing.views.common import check, redirect_with

routes = Routes()


@routes.route("/signing/classes/<int:class_id>/batch", methods=["POST"])
@allow(BGH)
def sign_class(class_id: int) -> Response:
    """Every document of the class waiting for the hiệu trưởng: signed, then sealed."""
    user = current_actor()
    cls = queries.batch_class(user, class_id)
    form = forms.SignForm(request.form)
    check(form)
    with unit_of_work():
        job = services.batch.start_job(user, cls, form.password.data or "")
    return redirect_with(f"Đã bắt đầu: {job.label} ({job.total} văn bản).", url_for("signing.job", job_id=job.id))


@routes.route("/signing/school/batch", methods=["POST"])
@allow(BGH)
def sign_school() -> Response:
    """Every document of the school waiting for the hiệu trưởng: signed, then sealed."""
    user = current_actor()
    form = forms.SignForm(request.form)
    check(form)
    with unit_of_work():
        job = services.batch.start_job(user, None, form.password.data or "")
    return redirect_with(f"Đã bắt đầu: {job.label} ({job.total} văn bản).", url_for("signing.job", job_id=job.id))


@routes.route("/signing/jobs/<int:job_id>")
@allow(BGH)
def job(job_id: int) -> Response:
    user = current_actor()
    found = queries.job_for(user, job_id)
    return page_or_fragment(
        "signing/job.html", "signing/_job.html", job=found, interrupted=queries.interrupted(found),
        may_resume=policy.can_resume_signing_job(user, found.requested_by_id), form=forms.SignForm(),
    )  # fmt: skip


@routes.route("/signing/jobs/<int:job_id>/resume", methods=["POST"])
@allow(BGH)
def resume(job_id: int) -> Response:
    user = current_actor()
    found = queries.job_for(user, job_id)
    form = forms.SignForm(request.form)
    check(form)
    with unit_of_work():
        services.batch.resume_job(user, found, form.password.data or "")
    return redirect_with("Đã cho chạy tiếp đợt ký.", url_for("signing.job", job_id=job_id))
