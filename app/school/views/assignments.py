"""Teaching assignments of one class: a subject × teacher grid, saved per cell with htmx."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response, render_template, url_for
from wtforms.fields.choices import SelectChoice

from app.accounts import queries as accounts_queries
from app.accounts.models import User
from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow
from app.core.database import unit_of_work
from app.core.htmx import is_htmx, render_fragment
from app.core.routing import Routes
from app.school import queries, services
from app.school.forms import AssignmentCellForm
from app.school.models import SchoolClass, Subject
from app.school.views.common import UNBOUND, can_manage, done, invalid

routes = Routes()


def teacher_choices(subject: Subject, staff: Sequence[User]) -> list[SelectChoice]:
    """The subject's tổ first, then everyone else (both in R25 order)."""
    own = [u for u in staff if subject.department_id and u.department_id == subject.department_id]
    others = [u for u in staff if u not in own]
    group = subject.department.name if subject.department else "Giáo viên"
    return (
        [SelectChoice("", "— chưa phân công —")]
        + [SelectChoice(str(u.id), u.full_name, optgroup=f"Tổ {group}") for u in own]
        + [SelectChoice(str(u.id), u.full_name, optgroup="Giáo viên khác") for u in others]
    )


def cell_form(
    subject: Subject, teacher_id: int | None, staff: Sequence[User], formdata: bool = False
) -> AssignmentCellForm:
    form = AssignmentCellForm(prefix=f"s{subject.id}", **({} if formdata else UNBOUND))
    form.teacher_id.choices = teacher_choices(subject, staff)
    if not formdata:
        form.teacher_id.data = teacher_id
    return form


def _rows(cls: SchoolClass, manage: bool) -> list[dict[str, Any]]:
    assigned = queries.class_assignments(cls)
    by_subject = {a.subject_id: a for a in assigned}
    staff = accounts_queries.active_staff() if manage else []
    rows = []
    for subject in queries.subjects_for_grid(cls, assigned):
        assignment = by_subject.get(subject.id)
        teacher_id = assignment.teacher_id if assignment else None
        form = cell_form(subject, teacher_id, staff) if manage else None
        rows.append({"subject": subject, "assignment": assignment, "form": form})
    return rows


@routes.route("/admin/classes/<int:class_id>/assignments")
@allow(Role.ADMIN, BGH)
def assignment_grid(class_id: int) -> str:
    cls = queries.get_class(class_id)
    manage = can_manage()
    return render_template("school/assignments.html", school_class=cls, rows=_rows(cls, manage), can_manage=manage)


@routes.route("/admin/classes/<int:class_id>/assignments/<int:subject_id>", methods=["POST"])
@allow(Role.ADMIN)
def assignment_save(class_id: int, subject_id: int) -> Response:
    cls, subject = queries.get_class(class_id), queries.get_subject(subject_id)
    form = cell_form(subject, None, accounts_queries.active_staff(), formdata=True)
    row: dict[str, Any] = {"subject": subject, "assignment": queries.assignment_of(cls, subject), "form": form}
    if not form.validate():
        ctx: dict[str, Any] = {"school_class": cls, "rows": [row], "row": row, "can_manage": True}
        return invalid("school/assignments.html", "school/_assignment_cell.html", **ctx)
    with unit_of_work():
        row["assignment"] = services.save_assignment(current_actor(), cls, subject, form.teacher_id.data)
    if not is_htmx():
        message = f"Đã lưu phân công môn {subject.name} lớp {cls.name}."
        return done(message, url_for("school.assignment_grid", class_id=cls.id))
    fragment = "school/_assignment_cell.html"
    return render_fragment(fragment, trigger="assignmentSaved", school_class=cls, row=row, saved=True, can_manage=True)
