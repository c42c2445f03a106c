"""Blueprint "ops": the health check a load balancer or monitor polls."""

from __future__ import annotations

from flask import Blueprint

from app.ops.views import health

bp = Blueprint("ops", __name__)
health.routes.register(bp)
