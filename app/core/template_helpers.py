"""Jinja filters and globals shared by every template."""

from __future__ import annotations

from typing import Any

from flask import Flask

from app.core import vn


def dom_id(obj: Any, part: str = "") -> str:
    """Stable element id for an object's fragment: dom_id(record, "status") → record-12-status."""
    kind = str(getattr(obj, "__audit_type__", None) or getattr(obj, "__tablename__", "obj")).replace("_", "-")
    return "-".join(str(p) for p in (kind, getattr(obj, "id", "new"), part) if p != "")


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        date=vn.format_date,
        datetime=vn.format_datetime,
        formal_date=vn.formal_date,
        decimal=vn.format_decimal,
        mask_id=vn.mask_national_id,
    )
    app.jinja_env.globals.update(dom_id=dom_id)
