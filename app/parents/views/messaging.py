"""The GVCN's one-to-one messages to a family: the GVCN's thread with one student's family
(write, see read/unread and the reply), and the family's reply from the parent page."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import allow, public
from app.core.database import unit_of_work
from app.core.models import utcnow
from app.core.routing import Routes
from app.parents import messages, pages, queries, services
from app.parents.forms import MessageForm, MessageReplyForm
from app.parents.views import common
from app.parents.views.staff import MANAGERS

routes = Routes()


def _thread(class_id: int, student_id: int, form: MessageForm, status: int = 200) -> tuple[str, int]:
    cls = queries.managed_class(current_actor(), class_id)
    student = messages.class_student(cls, student_id)
    thread = messages.of_student(cls, student.id)
    if messages.has_unseen_replies(thread):
        with unit_of_work(fresh=True):  # the GVCN has now read the family's replies
            messages.mark_replies_seen(thread, utcnow())
    page = render_template("parents/messages.html", cls=cls, student=student, thread=thread, form=form)
    return page, status


@routes.route("/parents/classes/<int:class_id>/students/<int:student_id>/messages", methods=["GET"])
@allow(MANAGERS)
def thread(class_id: int, student_id: int) -> tuple[str, int]:
    return _thread(class_id, student_id, MessageForm())


@routes.route("/parents/classes/<int:class_id>/students/<int:student_id>/messages", methods=["POST"])
@allow(MANAGERS)
def send(class_id: int, student_id: int) -> Response | tuple[str, int]:
    user = current_actor()
    cls = queries.managed_class(user, class_id)
    student = messages.class_student(cls, student_id)
    form = MessageForm(request.form)
    if not form.validate():
        return _thread(class_id, student_id, form, 422)
    with unit_of_work():
        messages.send(user, cls, student, form.body.data)
    return redirect(url_for("parents.thread", class_id=class_id, student_id=student_id), 303)


@routes.route("/p/messages/<int:message_id>/reply", methods=["POST"])
@public
@common.limit_failures
def reply(message_id: int) -> Response | tuple[str, int]:
    who = common.principal()
    message = messages.own_message(who, message_id)
    if message is None:
        common.plain_404(outcome="not_own_message", link_id=who.link_id)
    form = MessageReplyForm(request.form)
    if not form.validate():
        errors = {message_id: [e for errs in form.errors.values() for e in errs]}
        return render_template("parents/view.html", **pages.overview(who), **pages.inbox(who, errors)), 422
    with unit_of_work():
        messages.reply(who, message, form.reply.data)
    services.log_access("ack", "message_reply", link_id=who.link_id)
    return redirect(url_for("parents.view", _anchor=f"message-{message_id}"), 303)
