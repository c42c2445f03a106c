"""Teaching assignments of one class: a subject × teacher grid, saved per cell with htmx."""

from __future__ import annotations

from flask import Response, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from app.accounts.models import User
from app.core.authz import BGH, Role, allow, found
from app.core.htmx import is_htmx, render_fragment
from app.extensions import db
from app.school import services
from app.school.forms import AssignmentCellForm
from app.school.models import SchoolClass, Subject, TeachingAssignment
from app.school.views import bp
from app.school.views.classes import class_assignments
from app.school.views.common import active_staff, can_manage, done, invalid
from app.school.views.common import actor as current_actor


def teacher_choices(subject: Subject, staff: list[User]) -> list[SelectChoice]:
    """The subject's tổ first, then everyone else (both in R25 order)."""
    own = [u for u in staff if subject.department_id and u.department_id == subject.department_id]
    others = [u for u in staff if u not in own]
    group = subject.department.name if subject.department else "Giáo viên"
    return (
        [SelectChoice("", "— chưa phân công —")]
        + [SelectChoice(str(u.id), u.full_name, optgroup=f"Tổ {group}") for u in own]
        + [SelectChoice(str(u.id), u.full_name, optgroup="Giáo viên khác") for u in others]
    )


def _subjects_for(cls: SchoolClass, assigned: list[TeachingAssignment]) -> list[Subject]:
    stmt = select(Subject).options(selectinload(Subject.periods), selectinload(Subject.department))
    taught = {a.subject_id for a in assigned}
    subjects = [
        s
        for s in db.session.scalars(stmt.order_by(Subject.sort_order, Subject.name))
        if s.periods_for(cls.grade_level) or s.id in taught
    ]
    return subjects


def cell_form(
    cls: SchoolClass, subject: Subject, teacher_id: int | None, staff: list[User], formdata: object = None
) -> AssignmentCellForm:
    kwargs = {"formdata": None} if formdata is None else {}
    form = AssignmentCellForm(prefix=f"s{subject.id}", **kwargs)
    form.teacher_id.choices = teacher_choices(subject, staff)
    if formdata is None:
        form.teacher_id.data = teacher_id
    return form


@bp.route("/admin/classes/<int:class_id>/assignments")
@allow(Role.ADMIN, BGH)
def assignment_grid(class_id: int) -> str:
    cls = found(db.session.get(SchoolClass, class_id), "class", class_id)
    assigned = class_assignments(cls)
    by_subject = {a.subject_id: a for a in assigned}
    subjects = _subjects_for(cls, assigned)
    manage = can_manage()
    staff = active_staff() if manage else []
    rows = [
        {
            "subject": s,
            "assignment": by_subject.get(s.id),
            "form": cell_form(cls, s, by_subject[s.id].teacher_id if s.id in by_subject else None, staff)
            if manage
            else None,
        }
        for s in subjects
    ]
    return render_template("school/assignments.html", school_class=cls, rows=rows, can_manage=manage)


@bp.route("/admin/classes/<int:class_id>/assignments/<int:subject_id>", methods=["POST"])
@allow(Role.ADMIN)
def assignment_save(class_id: int, subject_id: int) -> Response:
    cls = found(db.session.get(SchoolClass, class_id), "class", class_id)
    subject = found(db.session.get(Subject, subject_id), "subject", subject_id)
    staff = active_staff()
    form = cell_form(cls, subject, None, staff, formdata=True)
    existing = db.session.scalar(
        select(TeachingAssignment).where(
            TeachingAssignment.class_id == cls.id, TeachingAssignment.subject_id == subject.id
        )
    )
    row = {"subject": subject, "assignment": existing, "form": form}
    if not form.validate():
        return invalid(
            "school/assignments.html",
            "school/_assignment_cell.html",
            school_class=cls,
            rows=[row],
            row=row,
            can_manage=True,
        )
    teacher_id = form.teacher_id.data
    if teacher_id is None:
        if existing is not None:
            services.remove_assignment(current_actor(), existing)
        row["assignment"] = None
    else:
        row["assignment"] = services.assign_teacher(current_actor(), cls, subject, teacher_id)
    db.session.commit()
    if not is_htmx():
        return done(
            f"Đã lưu phân công môn {subject.name} lớp {cls.name}.", url_for("school.assignment_grid", class_id=cls.id)
        )
    return render_fragment(
        "school/_assignment_cell.html",
        trigger="assignmentSaved",
        school_class=cls,
        row=row,
        saved=True,
        can_manage=True,
    )
