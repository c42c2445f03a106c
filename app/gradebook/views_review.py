"""Submitting a grade book, the fallback review chain, and correction requests (R16)."""

from __future__ import annotations

from flask import abort, flash, render_template, request, url_for
from werkzeug.wrappers import Response

from app.core.authz import ANY_STAFF, BGH, Role, allow, require
from app.core.htmx import page_or_fragment, redirect_to
from app.core.routing import db_id
from app.core.workflow import Action
from app.extensions import db
from app.gradebook import files, forms, locking, policy, queries, queries_homeroom
from app.gradebook.grid import load_grid
from app.gradebook.services import corrections, review
from app.gradebook.values import CellError, parse_cell
from app.gradebook.views import bp, form_errors, me
from app.gradebook.views_grid import reject_locked, scoped_column, scoped_student
from app.school import queries as school_queries


@bp.route("/<int:gradebook_id>/submit")
@allow(Role.TEACHER)
def submit_form(gradebook_id: int) -> str:
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_submit_grid(user, handle.access))
    return render_template(
        "gradebook/submit.html",
        handle=handle,
        grid=load_grid(handle),
        form=forms.SubmitForm(),
        error=None,
    )


@bp.route("/<int:gradebook_id>/submit", methods=["POST"])
@allow(Role.TEACHER)
def submit(gradebook_id: int) -> Response | tuple[str, int]:
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_submit_grid(user, handle.access))
    form = forms.SubmitForm(request.form)
    try:
        review.submit(user, handle, acknowledged=form.acknowledge.data, note=form.note.data)
    except locking.GridLocked as exc:
        reject_locked(handle, exc, "submit")
        abort(409, description=exc.lock.message)
    except locking.SubmitError as exc:
        db.session.rollback()
        return render_template(
            "gradebook/submit.html",
            handle=handle,
            grid=load_grid(handle),
            form=form,
            error=str(exc),
        ), 422
    db.session.commit()
    flash("Đã nộp sổ điểm. Sổ chỉ xem được trong khi chờ duyệt.", "success")
    return redirect_to(url_for("gradebook.grid", gradebook_id=handle.id))


@bp.route("/<int:gradebook_id>/review")
@allow(Role.TEACHER, BGH)
def review_form(gradebook_id: int) -> str:
    """Fallback chain only (while app.records is not wired): tổ trưởng → hiệu trưởng."""
    handle = queries.get_gradebook_for(me(), gradebook_id)
    state = locking.review_state(handle.gradebook)
    require(state.source == "local" and locking.local_reviewer_step(me(), handle) is not None)
    return render_template(
        "gradebook/review.html",
        handle=handle,
        grid=load_grid(handle),
        form=forms.ReviewForm(),
        chain=locking.LOCAL_CHAIN,
    )


@bp.route("/<int:gradebook_id>/review", methods=["POST"])
@allow(Role.TEACHER, BGH)
def review_decide(gradebook_id: int) -> Response:
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(locking.review_state(handle.gradebook).source == "local")
    form = forms.ReviewForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    action = Action.APPROVE if form.action.data == "approve" else Action.RETURN
    locking.review_local(user, handle, action, seen_version=form.version.data, comment=form.comment.data)
    db.session.commit()
    flash("Đã duyệt sổ điểm." if action is Action.APPROVE else "Đã trả lại sổ điểm.", "success")
    return redirect_to(url_for("gradebook.grid", gradebook_id=handle.id))


# ---------------------------------------------------------------------------- corrections


@bp.route("/corrections")
@allow(ANY_STAFF)
def corrections_list() -> Response:
    user = me()
    year = school_queries.current_year()
    items = queries.corrections_visible_to(user, year.id if year else None)
    todo = [(c, h) for c, h in items if policy.can_decide_correction(user, c, h.access)]
    pending = queries_homeroom.pending_exemptions(year.id) if year and user.roles & BGH else []
    return page_or_fragment(
        "gradebook/corrections.html",
        "gradebook/_corrections.html",
        items=items,
        todo=todo,
        pending_exemptions=pending,
    )


@bp.route("/<int:gradebook_id>/corrections/new")
@allow(Role.TEACHER)
def correction_form(gradebook_id: int) -> str:
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_request_correction(user, handle.access))
    form = forms.CorrectionForm(request.args)
    return render_template(
        "gradebook/correction_new.html",
        handle=handle,
        grid=load_grid(handle),
        form=form,
        error=None,
    )


@bp.route("/<int:gradebook_id>/corrections", methods=["POST"])
@allow(Role.TEACHER)
def correction_create(gradebook_id: int) -> Response | tuple[str, int]:
    user = me()
    handle = queries.get_gradebook_for(user, gradebook_id)
    require(policy.can_request_correction(user, handle.access))
    form = forms.CorrectionForm(request.form)
    if not form.validate():
        return _correction_form_again(handle, form, form_errors(form))
    student = scoped_student(handle, form.student_id.data)
    column = scoped_column(handle, form.column.data)
    try:
        new = parse_cell(form.new_value.data, handle.subject.is_comment)
        evidence = files.store_upload(request.files.get("evidence"))
        corrections.request_correction(user, handle, student.id, column, new, form.reason.data, evidence)
    except (CellError, corrections.CorrectionError) as exc:
        db.session.rollback()
        return _correction_form_again(handle, form, str(exc))
    db.session.commit()
    flash("Đã gửi yêu cầu điều chỉnh điểm. GVCN xác nhận, sau đó hiệu trưởng phê duyệt.", "success")
    return redirect_to(url_for("gradebook.corrections_list"))


def _correction_form_again(handle, form, error: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    return render_template(
        "gradebook/correction_new.html",
        handle=handle,
        grid=load_grid(handle),
        form=form,
        error=error,
    ), 422


@bp.route("/corrections/<int:correction_id>")
@allow(ANY_STAFF)
def correction_detail(correction_id: int) -> Response:
    user = me()
    correction, handle = queries.correction_for(user, correction_id)
    from app.audit import services as audit

    return page_or_fragment(
        "gradebook/correction.html",
        "gradebook/_correction.html",
        c=correction,
        handle=handle,
        can_decide=policy.can_decide_correction(user, correction, handle.access),
        can_withdraw=policy.can_withdraw_correction(user, correction),
        form=forms.DecisionForm(),
        events=audit.history(correction),
    )


@bp.route("/corrections/<int:correction_id>/decide", methods=["POST"])
@allow(Role.TEACHER, BGH)
def correction_decide(correction_id: int) -> Response:
    user = me()
    correction, handle = queries.correction_for(user, correction_id)
    form = forms.DecisionForm(request.form)
    if not form.validate():
        abort(422, description=form_errors(form))
    action = Action.APPROVE if form.action.data == "approve" else Action.RETURN
    try:
        corrections.decide(
            user,
            correction,
            handle,
            action,
            seen_version=form.version.data,
            comment=form.comment.data,
        )
    except corrections.CorrectionStale as exc:
        db.session.rollback()
        abort(409, description=str(exc))
    db.session.commit()
    flash("Đã ghi nhận ý kiến của bạn.", "success")
    return redirect_to(url_for("gradebook.correction_detail", correction_id=correction.id))


@bp.route("/corrections/<int:correction_id>/withdraw", methods=["POST"])
@allow(Role.TEACHER)
def correction_withdraw(correction_id: int) -> Response:
    user = me()
    correction, _handle = queries.correction_for(user, correction_id)
    seen_version = request.form.get("version", type=db_id) or 0
    corrections.withdraw(user, correction, seen_version=seen_version)
    db.session.commit()
    flash("Đã rút yêu cầu điều chỉnh.", "success")
    return redirect_to(url_for("gradebook.corrections_list"))


@bp.route("/corrections/<int:correction_id>/evidence")
@allow(ANY_STAFF)
def correction_evidence(correction_id: int) -> Response:
    correction, _handle = queries.correction_for(me(), correction_id)
    if not correction.evidence_sha256:
        abort(404)
    return files.send_evidence(
        correction.evidence_sha256,
        correction.evidence_name or "minh-chung",
        correction.evidence_type or "application/octet-stream",
    )
