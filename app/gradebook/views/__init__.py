"""Blueprint "gradebook": the list of grade books and opening one (books), the grid and
its cell, paste and nhận xét saves (grid), Excel export and import (transfer),
submitting for approval (submission), correction requests (corrections) and the
settings (settings). The GVCN's class book is app.homeroom."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.audit import registry
from app.gradebook import cells, queries
from app.gradebook.services import ACTION_LABELS
from app.gradebook.services.corrections import CHAIN, WAITING
from app.gradebook.values import shown
from app.gradebook.views import books, corrections, grid, settings, submission, transfer

bp = Blueprint("gradebook", __name__, url_prefix="/gradebook")
for page in (books, grid, transfer, submission, corrections, settings):
    page.routes.register(bp)


@bp.record_once
def _tell_audit(state: BlueprintSetupState) -> None:
    registry.register_subject(
        state.app, registry.SubjectKind("gradebook", queries.gradebook_subject_for, queries.links)
    )
    registry.register_subject(
        state.app,
        registry.SubjectKind("correction", queries.correction_subject_for, queries.correction_links),
    )
    registry.register_actions(state.app, ACTION_LABELS)
    # globals, not a context processor: the macros of gradebook/_macros.html are imported
    # without the context and call these
    state.app.jinja_env.globals.update(
        grid_rows=cells.grid_rows,
        grid_cell_html=cells.cell_html,
        grid_avg_html=cells.avg_html,
        grid_remark_html=cells.remark_html,
    )


@bp.context_processor
def _template_helpers() -> dict[str, Any]:
    return {
        "shown": shown,
        "correction_chain": CHAIN,
        "correction_waiting": WAITING,
    }
