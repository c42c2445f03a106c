"""Blueprint "parents": the public parent pages under /p/ (landing page, opening by POST,
the child's reports behind a short-lived cookie) and the GVCN's pages under /parents/
(issue and revoke links, release an approved term, who opened and acknowledged)."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from app.audit import registry
from app.parents import consent, messages, services
from app.parents.views import common, consent_pages, messaging, parent, receipts, staff

bp = Blueprint("parents", __name__)
for page in (parent, staff, consent_pages, messaging, receipts):
    page.routes.register(bp)
bp.register_error_handler(429, common.plain_429)


@bp.after_request
def _leak_resistant(response: Response) -> Response:
    """Every parents response: never cached, never indexed, no Referer to other sites."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response.headers["Referrer-Policy"] = "same-origin"
    response.vary.add("Cookie")
    return response


@bp.record_once
def _wire(state: BlueprintSetupState) -> None:
    registry.register_actions(state.app, services.ACTION_LABELS, feed=services.FEED_ACTIONS)
    registry.register_actions(state.app, consent.ACTION_LABELS)
    registry.register_actions(state.app, messages.ACTION_LABELS)
