"""The admin's erasure of a guardian's contact data (R22, a deletion request): the name,
phone, occupation and birth year are replaced, the guardian's links revoked; statutory
records (học bạ, sổ theo dõi) are kept, and the screen says so."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import Role, allow
from app.core.database import unit_of_work
from app.core.errors import DomainError
from app.core.routing import Routes
from app.privacy import queries, services
from app.privacy.forms import EraseForm
from app.privacy.views.common import errors_of

routes = Routes()


@routes.route("/privacy/erasure")
@allow(Role.ADMIN)
def erasure() -> str:
    needle = (request.args.get("q") or "")[:100]
    return render_template("privacy/erasure.html", q=needle, students=queries.find_students(needle),
                           note=services.STATUTORY_NOTE, erased_name=services.ERASED_NAME)  # fmt: skip


@routes.route("/privacy/guardians/<int:guardian_id>/erase", methods=["POST"])
@allow(Role.ADMIN)
def erase(guardian_id: int) -> Response:
    user = current_actor()
    guardian = queries.guardian_for_erasure(user, guardian_id)
    form = EraseForm(request.form)
    if not form.validate():
        raise DomainError(errors_of(form), 422)
    code = guardian.student.student_code
    with unit_of_work():
        revoked = services.erase_guardian(user, guardian)
    services.scrub_freed_pages()
    flash(f"Đã xóa thông tin liên lạc của phụ huynh và thu hồi {revoked} đường dẫn. Học bạ và sổ theo dõi "
          "của học sinh được giữ nguyên theo quy định của pháp luật.", "success")  # fmt: skip
    return redirect(url_for("privacy.erasure", q=code), 303)
