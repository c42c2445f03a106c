"""GET /healthz: public, no data — 200 {"status": "ok"} or 503 naming what failed."""

from __future__ import annotations

from flask import Response, jsonify

from app.core.authz import public
from app.core.routing import Routes
from app.ops import queries

routes = Routes()


@routes.route("/healthz", methods=["GET"])
@public
def healthz() -> tuple[Response, int]:
    failed = queries.failed_checks()
    if failed:
        return jsonify(status="error", failed=failed), 503
    return jsonify(status="ok"), 200
