"""certificates pages."""

from __future__ import annotations

from app.core.routing import Routes

routes = Routes()
