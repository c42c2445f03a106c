"""The GVCN's class book: the list of classes, a class's summary per term or year, and
the rèn luyện and nhận xét cells (htmx)."""

from __future__ import annotations

from flask import render_template, request
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import ANY_STAFF, Role, allow, require
from app.core.database import unit_of_work
from app.core.htmx import page_or_fragment
from app.core.routing import Routes
from app.homeroom import book_html, forms, locking, policy, queries, services, summary
from app.homeroom.views import common
from app.school import queries as school_queries

routes = Routes()

CONDUCT_CONFLICT = "Mức rèn luyện vừa được sửa ở nơi khác; đây là giá trị hiện tại."
REMARK_CONFLICT = "Nhận xét vừa được sửa ở nơi khác; đây là nội dung hiện tại."


@routes.route("/")
@allow(ANY_STAFF)
def index() -> str:
    user = current_actor()
    year = school_queries.current_year()
    found = queries.homeroom_list(user, year)
    return render_template(
        "homeroom/index.html", year=year, mine=found.mine, others=found.others, pending_exemptions=found.pending
    )


@routes.route("/<int:class_id>")
@allow(ANY_STAFF)
def class_book(class_id: int) -> Response:
    user = current_actor()
    cls = queries.homeroom_class(user, class_id)
    period = request.args.get("period", "1")
    period = period if period in summary.PERIODS else "1"
    lock = locking.lock_of(cls, locking.periods_of_view(period))
    return page_or_fragment(
        "homeroom/class_book.html",
        "homeroom/_class_book.html",
        s=summary.build(cls, period),
        editable=policy.can_edit_homeroom(user, cls.homeroom_teacher_id) and not lock.locked,
        levels=forms.LEVEL_CHOICES,
        lock=lock,
        line_head=book_html.line_head,
    )


@routes.route("/<int:class_id>/conduct", methods=["POST"])
@allow(Role.TEACHER)
def conduct(class_id: int) -> Response:
    user = current_actor()
    cls = queries.homeroom_class(user, class_id)
    require(policy.can_edit_homeroom(user, cls.homeroom_teacher_id))
    form = forms.ConductForm(request.form)
    if not form.validate():
        common.invalid(form)
    student, term = queries.class_student(cls, form.student_id.data), queries.class_term(cls, form.term_id.data)
    with unit_of_work(catch=True) as work:
        services.set_conduct(user, cls, student.id, term, form.level.data or None, form.version.data)
    template = "homeroom/_conduct_cell.html"
    return common.summary_cell(template, cls, str(term.number), student.id, work.error, conflict=CONDUCT_CONFLICT)


@routes.route("/<int:class_id>/remark", methods=["POST"])
@allow(Role.TEACHER)
def remark(class_id: int) -> Response:
    user = current_actor()
    cls = queries.homeroom_class(user, class_id)
    require(policy.can_edit_homeroom(user, cls.homeroom_teacher_id))
    form = forms.RemarkForm(request.form)
    if form.student_id.data is None or form.term_id.data is None:
        form.validate()
        common.invalid(form)
    student, term = queries.class_student(cls, form.student_id.data), queries.class_term(cls, form.term_id.data)
    cell = ("homeroom/_remark_cell.html", cls, str(term.number), student.id)
    if not form.validate():
        refused = common.FormRejected(common.form_errors(form))
        return common.summary_cell(*cell, refused, conflict=REMARK_CONFLICT, typed=form.text.data)
    with unit_of_work(catch=True) as work:
        services.set_remark(user, cls, student.id, term, form.text.data, form.version.data)
    return common.summary_cell(*cell, work.error, conflict=REMARK_CONFLICT, typed=form.text.data)
