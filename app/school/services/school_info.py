"""The school's own record (name, code, province…) and its key/value settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.core.models import apply_changes
from app.extensions import db
from app.school.models import School, SchoolSetting
from app.school.services.common import clean


def save_school(actor: User | None, **fields: Any) -> School:
    """Create the one school row, or change it; one event either way (none if nothing changed)."""
    school = db.session.scalars(select(School).limit(1)).first()
    fields = {k: clean(v) for k, v in fields.items()}
    if school is None:
        school = School(**fields)
        db.session.add(school)
        db.session.flush()
        audit.record(actor, "school.created", school, changes={k: [None, v] for k, v in fields.items()})
    elif diff := apply_changes(school, **fields):
        db.session.flush()
        audit.record(actor, "school.updated", school, changes=diff)
    return school


def get_setting(key: str, default: str | None = None) -> str | None:
    row = db.session.get(SchoolSetting, key)
    return row.value if row else default


def set_setting(actor: User | None, key: str, value: str) -> None:
    row = db.session.get(SchoolSetting, key)
    old = row.value if row else None
    if old == value:
        return
    if row is None:
        db.session.add(SchoolSetting(key=key, value=value))
    else:
        row.value = value
    db.session.flush()
    audit.record(actor, "setting.changed", ("setting", key), changes={key: [old, value]})
