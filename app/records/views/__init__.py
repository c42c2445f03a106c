"""The records blueprint: record pages, workflow actions, dashboards, record types.

Split by page group: pages (detail, versions, create, edit, new version, download),
actions (submit, approve, return, withdraw, delete, comment), dashboards (mine, review,
school, export), types (the admin's record types); common holds what they share. Each
declares its routes on its own table (core.routing.Routes), registered here.
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.audit import registry
from app.records import queries, services, timeline
from app.records.views import actions, dashboards, pages, types

bp = Blueprint("records", __name__, url_prefix="/records")
for page in (pages, actions, dashboards, types):
    page.routes.register(bp)


@bp.record_once
def _tell_audit(state: BlueprintSetupState) -> None:
    registry.register_subject(
        state.app, registry.SubjectKind("record", queries.get_for, queries.links, timeline.describe)
    )
    registry.register_actions(state.app, services.ACTION_LABELS, services.FEED_ACTIONS)
