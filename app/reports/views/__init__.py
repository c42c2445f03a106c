"""Blueprint "reports": the GVCN's (and BGH's) page of a class's printable periods, the
preview of one student's document, issuing one or the whole class (a job), BGH's batches
for a khối or the school and the class's sổ theo dõi, the job page with its polled
progress bar, and the downloads."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.audit import registry
from app.core import files
from app.reports import services
from app.reports.models import IssuedDocument, ReportJob
from app.reports.views import actions, downloads, pages

bp = Blueprint("reports", __name__, url_prefix="/reports")
for page in (pages, actions, downloads):
    page.routes.register(bp)


@bp.record_once
def _wire(state: BlueprintSetupState) -> None:
    from app.reports import jobs  # noqa: F401  (runs queued jobs when their transaction commits)

    registry.register_actions(state.app, services.ACTION_LABELS, feed=services.FEED_ACTIONS)
    for column in (IssuedDocument.sha256, ReportJob.merged_sha256, ReportJob.zip_sha256):
        files.register_reference(column)
