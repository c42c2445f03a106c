"""Blueprint "privacy": the BGH's register of data-subject requests (with the student's
data export), the parent access log, and the admin's erasure of a guardian's contact data."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.audit import registry
from app.privacy import services
from app.privacy.views import access_log, erasure, requests

bp = Blueprint("privacy", __name__)
for page in (requests, erasure, access_log):
    page.routes.register(bp)


@bp.record_once
def _wire(state: BlueprintSetupState) -> None:
    registry.register_actions(state.app, services.ACTION_LABELS, feed=services.FEED_ACTIONS)
