"""Summer results (R11): rèn luyện hè and kiểm tra lại, in the year view of the class book."""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import Role, allow, require
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.homeroom import forms, policy, queries, services
from app.homeroom.views import common

routes = Routes()

CONFLICT = "Kết quả vừa được sửa ở nơi khác; đây là giá trị hiện tại."


@routes.route("/<int:class_id>/summer", methods=["POST"])
@allow(Role.TEACHER)
def summer_save(class_id: int) -> Response:
    """A kiểm tra lại result when the post names a subject, otherwise rèn luyện hè; whether
    either is due for the student (R11) is the service's to decide."""
    user = current_actor()
    cls = queries.homeroom_class(user, class_id)
    require(policy.can_edit_homeroom(user, cls.homeroom_teacher_id))
    retest = "subject_id" in request.form
    form = forms.RetestForm(request.form) if retest else forms.SummerConductForm(request.form)
    if not form.validate():
        common.invalid(form)
    student = queries.class_student(cls, form.student_id.data)
    subject = queries.class_subject(cls, form.subject_id.data) if isinstance(form, forms.RetestForm) else None
    with unit_of_work(catch=True) as work:
        services.save_summer(user, cls, student.id, subject, form.value.data, form.version.data)
    return common.summary_cell("homeroom/_summer_cell.html", cls, "year", student.id, work.error, conflict=CONFLICT)
