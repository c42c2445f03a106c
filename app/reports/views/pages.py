"""The reports pages: the list of classes (and BGH's school batches), a class's page, the
preview of one student's document, a job's page with its polled progress."""

from __future__ import annotations

from datetime import date

from flask import render_template, request
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow, require
from app.core.database import unit_of_work
from app.core.htmx import page_or_fragment
from app.core.models import utcnow
from app.core.routing import Routes
from app.core.vn import to_local
from app.reports import forms, policy, queries, services
from app.reports.models import KIND_LABELS
from app.reports.pdf.common import date_line
from app.reports.views import common

routes = Routes()
#: the quản trị is refused at the role check (403), as on the close's pages: it reads no results
READERS = frozenset({Role.TEACHER}) | BGH
#: the print-like sheet of each document kind (laid out as app/reports/pdf/<kind>.py draws it)
SHEETS = {
    "bao_lien_lac": "reports/sheets/bao_lien_lac.html",
    "hoc_ba": "reports/sheets/hoc_ba.html",
    "so_theo_doi": "reports/sheets/so_theo_doi.html",
}


def _preview_page(draft: services.Draft, period: queries.Period) -> str:
    """The preview page: the document as it will print (dated today, as an issue now would be)."""
    today: date = to_local(utcnow()).date()
    return render_template(
        "reports/preview.html", cls=draft.school_class, student=draft.student, period=period, kind=draft.kind,
        kind_label=KIND_LABELS[draft.kind], sheet=SHEETS[draft.kind], document=draft.document(), today=today,
        date_line=date_line, form=forms.IssueForm(),
    )  # fmt: skip


@routes.route("/")
@allow(READERS)
def index() -> str:
    user = current_actor()
    classes = queries.classes_of(user)
    whole = policy.can_issue_for_school(user)
    return render_template(
        "reports/index.html",
        classes=classes,
        whole=whole,
        grades=queries.grades_of(classes),
        periods=queries.school_periods(),
        jobs=queries.recent_jobs(user, None if whole else [c.id for c in classes]),
        form=forms.SchoolBatchForm(),
    )


@routes.route("/classes/<int:class_id>")
@allow(READERS)
def class_page(class_id: int) -> Response:
    user = current_actor()
    cls = queries.report_class(user, class_id)
    return common.class_page(user, cls, request.args.get("period"))


@routes.route("/classes/<int:class_id>/students/<int:student_id>/preview")
@allow(READERS)
def preview(class_id: int, student_id: int) -> str:
    user = current_actor()
    cls = queries.report_class(user, class_id)
    student = queries.class_student(cls, student_id)
    period = queries.issuable_period(cls, request.args.get("period"))
    kind = "hoc_ba" if request.args.get("kind") == "hoc_ba" else "bao_lien_lac"
    draft = services.draft_for(cls, student, period, kind)
    with unit_of_work(fresh=True):
        services.record_preview(user, draft)
    return _preview_page(draft, period)


@routes.route("/classes/<int:class_id>/book/preview")
@allow(BGH)
def book_preview(class_id: int) -> str:
    user = current_actor()
    cls = queries.report_class(user, class_id)
    require(policy.can_issue_class_book(user))
    period = queries.issuable_period(cls, request.args.get("period"))
    draft = services.book_draft_for(cls, period)
    with unit_of_work(fresh=True):
        services.record_preview(user, draft)
    return _preview_page(draft, period)


@routes.route("/jobs/<int:job_id>")
@allow(READERS)
def job(job_id: int) -> Response:
    user = current_actor()
    found = queries.job_for(user, job_id)
    return page_or_fragment("reports/job.html", "reports/_job.html", job=found, interrupted=queries.interrupted(found))
