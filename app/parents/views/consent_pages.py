"""R21 on the GVCN's (and BGH's) side: record a guardian's consent to electronic delivery
(date and source, e.g. "phiếu giấy có chữ ký") or its withdrawal, which revokes the
guardian's links at once."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core.authz import BGH, Role, allow
from app.core.database import unit_of_work
from app.core.errors import DomainError
from app.core.routing import Routes
from app.parents import consent, queries
from app.parents.forms import ConsentForm

routes = Routes()
MANAGERS = frozenset({Role.TEACHER}) | BGH


def _record(class_id: int, guardian_id: int, given: bool) -> Response:
    user = current_actor()
    cls = queries.managed_class(user, class_id)
    guardian = queries.class_guardian(cls, guardian_id)
    form = ConsentForm(request.form)
    if not form.validate():
        raise DomainError(" ".join(e for errs in form.errors.values() for e in errs), 422)
    with unit_of_work():
        consent.record(user, guardian, given=given, decided_on=form.decided_on.data, source=form.source.data or "")
    done = "Đã ghi nhận đồng ý của" if given else "Đã ghi nhận rút lại đồng ý (đường dẫn đã bị thu hồi) của"
    flash(f"{done} {guardian.full_name}.", "success")
    return redirect(url_for("parents.class_page", class_id=class_id), 303)


@routes.route("/parents/classes/<int:class_id>/guardians/<int:guardian_id>/consent/give", methods=["POST"])
@allow(MANAGERS)
def consent_given(class_id: int, guardian_id: int) -> Response:
    return _record(class_id, guardian_id, given=True)


@routes.route("/parents/classes/<int:class_id>/guardians/<int:guardian_id>/consent/withdraw", methods=["POST"])
@allow(MANAGERS)
def consent_withdrawn(class_id: int, guardian_id: int) -> Response:
    return _record(class_id, guardian_id, given=False)
