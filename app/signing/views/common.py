"""What the signing pages share."""

from __future__ import annotations

from flask import flash
from werkzeug.wrappers import Response
from wtforms import Form

from app.core.authz import BGH, Role
from app.core.errors import DomainError
from app.core.htmx import redirect_to

#: GVCN (teachers) and BGH; the quản trị signs nothing (403 at the role check)
SIGNERS = frozenset({Role.TEACHER}) | BGH


def check(form: Form) -> None:
    """A form with errors is a 422 with its sentences."""
    if not form.validate():
        raise DomainError(" ".join(e for errs in form.errors.values() for e in errs) or "Dữ liệu gửi lên không hợp lệ.")


def redirect_with(message: str, url: str) -> Response:
    flash(message, "success")
    return redirect_to(url)
