"""Exemptions from the practical part of GDTC / GDQP-AN (R13): the GVCN asks, BGH decides.
Reasons are health data: shown only to the GVCN of the class and BGH."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.core.authz import ANY_STAFF, BGH, Role, allow, found, not_found, require
from app.core.htmx import redirect_to
from app.core.workflow import Action
from app.extensions import db
from app.gradebook import files, forms, policy, queries, queries_homeroom
from app.gradebook.models import Exemption
from app.gradebook.services import homeroom as homeroom_svc
from app.gradebook.views import bp, form_errors, me
from app.gradebook.views_homeroom import class_student, class_term, homeroom_class
from app.school.models import Enrollment, SchoolClass, Subject


@bp.route("/homeroom/<int:class_id>/exemptions")
@allow(ANY_STAFF)
def exemptions(class_id: int) -> str:
    cls = homeroom_class(class_id)
    return _exemptions_page(cls, forms.ExemptionForm(), None, 200)  # type: ignore[return-value]


def _exemptions_page(cls: SchoolClass, form: Any, error: str | None, status: int) -> tuple[str, int]:
    user = me()
    students = queries.class_students(cls.id)
    items = queries_homeroom.exemptions_of_class([s.id for s in students], cls.year_id)
    subjects = [
        s for s in queries_homeroom.class_subjects(cls.id) if s.code in homeroom_svc.tt22.EXEMPTABLE_SUBJECT_CODES
    ]
    return render_template(
        "gradebook/exemptions.html",
        cls=cls,
        items=items,
        students=students,
        subjects=subjects,
        terms=queries.term_pair_of_year(cls.year_id),
        form=form,
        error=error,
        editable=policy.can_request_exemption(user, cls.homeroom_teacher_id),
        can_decide=lambda e: policy.can_decide_exemption(user, e),
        show_reason=policy.can_read_exemption_reason(user, cls.homeroom_teacher_id),
    ), status


@bp.route("/homeroom/<int:class_id>/exemptions", methods=["POST"])
@allow(Role.TEACHER)
def exemption_create(class_id: int) -> Response | tuple[str, int]:
    cls = homeroom_class(class_id)
    require(policy.can_request_exemption(me(), cls.homeroom_teacher_id))
    form = forms.ExemptionForm(request.form)
    if not form.validate():
        return _exemptions_page(cls, form, form_errors(form), 422)
    student = class_student(cls, form.student_id.data)
    subject = found(db.session.get(Subject, form.subject_id.data), "subject", form.subject_id.data)
    term = class_term(cls, form.term_id.data) if form.term_id.data else None
    try:
        evidence = files.store_upload(request.files.get("evidence"))
        homeroom_svc.request_exemption(me(), cls, student.id, subject, term, form.reason.data, evidence)
    except homeroom_svc.HomeroomError as exc:
        db.session.rollback()
        return _exemptions_page(cls, form, str(exc), 422)
    db.session.commit()
    flash("Đã gửi đề nghị miễn phần thực hành; chờ hiệu trưởng phê duyệt.", "success")
    return redirect_to(url_for("gradebook.exemptions", class_id=cls.id))


def _exemption(exemption_id: int) -> tuple[Exemption, SchoolClass]:
    e = db.session.get(Exemption, exemption_id)
    cls = None
    if e is not None:
        cls = db.session.scalars(
            select(SchoolClass)
            .join(Enrollment, Enrollment.class_id == SchoolClass.id)
            .where(Enrollment.student_id == e.student_id, Enrollment.year_id == e.year_id)
        ).first()
    if e is None or cls is None or not policy.can_read_homeroom(me(), cls.homeroom_teacher_id):
        not_found("exemption", exemption_id)
    return e, cls  # type: ignore[return-value]


@bp.route("/exemptions/<int:exemption_id>/decide", methods=["POST"])
@allow(BGH)
def exemption_decide(exemption_id: int) -> Response:
    e, cls = _exemption(exemption_id)
    form = forms.DecisionForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    action = Action.APPROVE if form.action.data == "approve" else Action.RETURN
    homeroom_svc.decide_exemption(me(), e, action, seen_version=form.version.data, comment=form.comment.data)
    db.session.commit()
    flash(
        "Đã phê duyệt miễn thực hành." if action is Action.APPROVE else "Đã không duyệt đề nghị.",
        "success",
    )
    return redirect_to(url_for("gradebook.exemptions", class_id=cls.id))


@bp.route("/exemptions/<int:exemption_id>/evidence")
@allow(ANY_STAFF)
def exemption_evidence(exemption_id: int) -> Response:
    e, cls = _exemption(exemption_id)
    if not e.evidence_sha256 or not policy.can_read_exemption_reason(me(), cls.homeroom_teacher_id):
        not_found("exemption_evidence", exemption_id)
    return files.send_evidence(
        e.evidence_sha256,
        e.evidence_name or "minh-chung",
        e.evidence_type or "application/octet-stream",
    )
