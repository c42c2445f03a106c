"""Issuing, each its own POST: one student's document, the whole class as a job, the
class's sổ theo dõi (BGH), a khối's or the school's job (BGH), resuming a stopped job.
Refusals: 422 with the class page and its sentence, 404 out of scope, 409 on a job
that cannot be resumed."""

from __future__ import annotations

from flask import request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow, require
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.reports import forms, policy, queries, services
from app.reports.views import common

routes = Routes()
#: the quản trị is refused at the role check (403), as on the close's pages: it reads no results
READERS = frozenset({Role.TEACHER}) | BGH


@routes.route("/classes/<int:class_id>/students/<int:student_id>/issue", methods=["POST"])
@allow(READERS)
def issue_one(class_id: int, student_id: int) -> Response:
    user = current_actor()
    cls = queries.report_class(user, class_id)
    student = queries.class_student(cls, student_id)
    form = forms.IssueForm(request.form)
    if not form.validate():
        return common.class_page(user, cls, form.period.data, common.form_errors(form), 422)
    period = queries.issuable_period(cls, form.period.data)
    draft = services.draft_for(cls, student, period, form.kind.data)
    with unit_of_work():
        doc = services.issue(user, draft)
    message = f"Đã phát hành {doc.kind_label.lower()} của {student.full_name} (mã {doc.code})."
    return common.redirect_with(message, url_for("reports.class_page", class_id=cls.id, period=period.key))


@routes.route("/classes/<int:class_id>/batch", methods=["POST"])
@allow(READERS)
def issue_class(class_id: int) -> Response:
    user = current_actor()
    cls = queries.report_class(user, class_id)
    form = forms.IssueForm(request.form)
    if not form.validate():
        return common.class_page(user, cls, form.period.data, common.form_errors(form), 422)
    period = queries.issuable_period(cls, form.period.data)
    with unit_of_work():
        job = services.start_job(user, form.kind.data, "class", cls.id, period)
    return common.redirect_with(f"Đã bắt đầu in {job.label}.", url_for("reports.job", job_id=job.id))


@routes.route("/classes/<int:class_id>/book", methods=["POST"])
@allow(BGH)
def issue_book(class_id: int) -> Response:
    user = current_actor()
    cls = queries.report_class(user, class_id)
    require(policy.can_issue_class_book(user))
    form = forms.BookForm(request.form)
    if not form.validate():
        return common.class_page(user, cls, form.period.data, common.form_errors(form), 422)
    period = queries.issuable_period(cls, form.period.data)
    with unit_of_work():
        doc = services.issue(user, services.book_draft_for(cls, period))
    message = f"Đã phát hành sổ theo dõi lớp {cls.name} (mã {doc.code})."
    return common.redirect_with(message, url_for("reports.class_page", class_id=cls.id, period=period.key))


@routes.route("/batch", methods=["POST"])
@allow(BGH)
def school_batch() -> Response:
    user = current_actor()
    queries.school_scope(user)
    form = forms.SchoolBatchForm(request.form)
    if not form.validate() or (form.scope.data == "grade" and not form.grade.data):
        return common.school_refused(form)
    period = queries.school_period(form.period.data)
    ref = form.grade.data if form.scope.data == "grade" else 0
    with unit_of_work():
        job = services.start_job(user, form.kind.data, form.scope.data, ref or 0, period)
    return common.redirect_with(f"Đã bắt đầu in {job.label}.", url_for("reports.job", job_id=job.id))


@routes.route("/jobs/<int:job_id>/resume", methods=["POST"])
@allow(READERS)
def resume(job_id: int) -> Response:
    user = current_actor()
    job = queries.job_for(user, job_id)
    with unit_of_work():
        services.resume_job(user, job)
    return common.redirect_with("Đã cho chạy tiếp đợt in.", url_for("reports.job", job_id=job.id))
