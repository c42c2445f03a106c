"""Attendance (R12): the class's buổi nghỉ on one day, with the running count of the year."""

from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import ANY_STAFF, Role, allow, require
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.gradebook import queries as gradebook_queries
from app.gradebook.locking import today_local
from app.homeroom import forms, locking, policy, queries, services
from app.homeroom.views import common

routes = Routes()


@routes.route("/<int:class_id>/attendance")
@allow(ANY_STAFF)
def attendance(class_id: int) -> str:
    user = current_actor()
    cls = queries.homeroom_class(user, class_id)
    today = today_local()
    day = queries.attendance_day(cls, request.args.get("day"), today)
    students = gradebook_queries.class_students(cls.id)
    ids = [s.id for s in students]
    lock = locking.lock_of(cls, locking.periods_of_day(cls, day))
    return render_template(
        "homeroom/attendance.html",
        cls=cls,
        day=day,
        today=today,
        students=students,
        marks=queries.attendance_on(ids, day),
        counts=queries.absence_counts(ids, cls.year_id),
        editable=policy.can_edit_homeroom(user, cls.homeroom_teacher_id) and not lock.locked,
        lock=lock,
    )


@routes.route("/<int:class_id>/attendance", methods=["POST"])
@allow(Role.TEACHER)
def attendance_save(class_id: int) -> Response:
    user = current_actor()
    cls = queries.homeroom_class(user, class_id)
    require(policy.can_edit_homeroom(user, cls.homeroom_teacher_id))
    form = forms.AttendanceForm(request.form)
    if not form.validate():
        common.invalid(form)
    student = queries.class_student(cls, form.student_id.data)
    with unit_of_work(catch=True) as work:
        services.set_attendance(user, cls, student.id, form.day.data, form.status.data, today_local())
    return common.attendance_row(cls, student, form, work.error)
