"""Helpers the school's page modules share (no HX-* header reading, no queries here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import Response, flash
from wtforms.fields.choices import SelectChoice

from app.accounts import queries as accounts_queries
from app.accounts.models import User
from app.accounts.session import current_actor
from app.core.errors import DomainError
from app.core.htmx import page_or_fragment, redirect_to
from app.school import policy

#: `formdata=UNBOUND` binds a form to nothing (a GET, or another row of the page)
UNBOUND: dict[str, Any] = {"formdata": None}


def bound(formdata: bool) -> dict[str, Any]:
    """Form constructor kwargs: bound to the request (a POST) or to nothing."""
    return {} if formdata else UNBOUND


def can_manage() -> bool:
    return policy.can_manage_school(current_actor())


def staff_choices(blank: str = "— chưa chọn —", users: Sequence[User] | None = None) -> list[SelectChoice]:
    people = users if users is not None else accounts_queries.active_staff()
    return [SelectChoice("", blank)] + [SelectChoice(str(u.id), f"{u.full_name} ({u.username})") for u in people]


def invalid(page: str, fragment: str, error: DomainError | None = None, **context: Any) -> Response:
    """A form refused: its field errors (422), or a service's refusal with its sentence and
    status; the fragment for htmx, the whole page otherwise."""
    status = error.status if error else 422
    return page_or_fragment(page, fragment, status=status, error=error.message if error else None, **context)


def done(message: str, url: str) -> Response:
    flash(message, "success")
    return redirect_to(url)
