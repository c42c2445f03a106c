"""Blueprint "results": the GVCN's checklist and submission of a class's close, the hiệu
trưởng's list of classes by close state and approval page, a student's snapshot history.
The package subscribes to the lower layers' signals here (the approval of a close and an
applied correction write snapshots)."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.audit import registry
from app.core.signals import assessment_corrected, linked_record_approved
from app.results import queries, services
from app.results.views import actions, months, pages

bp = Blueprint("results", __name__, url_prefix="/results")
for page in (pages, actions, months):
    page.routes.register(bp)


@bp.record_once
def _wire(state: BlueprintSetupState) -> None:
    registry.register_actions(state.app, services.ACTION_LABELS, feed=services.FEED_ACTIONS)
    registry.register_subject(
        state.app, registry.SubjectKind("result_snapshot", queries.snapshot_for, queries.snapshot_links)
    )
    registry.register_subject(
        state.app, registry.SubjectKind("result_month", queries.month_round_for, queries.month_links)
    )
    linked_record_approved.connect(services.on_record_approved)
    linked_record_approved.connect(services.on_month_approved)
    assessment_corrected.connect(services.on_assessment_corrected)
