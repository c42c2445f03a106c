"""Small helpers shared by the school views (no HX-* header reading here)."""

from __future__ import annotations

from typing import Any

from flask import Response, flash
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.accounts.models import User
from app.core.htmx import page_or_fragment, redirect_to
from app.extensions import db
from app.school import policy


def actor() -> Any:
    return current_user._get_current_object()


def can_manage() -> bool:
    return policy.can_manage_school(actor())


def active_staff() -> list[User]:
    users = db.session.scalars(select(User).where(User.active.is_(True)))
    return sorted(users, key=lambda u: u.sort_key)


def staff_choices(blank: str = "— chưa chọn —", users: list[User] | None = None) -> list[SelectChoice]:
    people = users if users is not None else active_staff()
    return [SelectChoice("", blank)] + [SelectChoice(str(u.id), f"{u.full_name} ({u.username})") for u in people]


def invalid(page: str, fragment: str, **context: Any) -> Response:
    """A form with errors: 422, the fragment for htmx or the whole page otherwise."""
    return page_or_fragment(page, fragment, status=422, **context)


def done(message: str, url: str) -> Response:
    flash(message, "success")
    return redirect_to(url)
