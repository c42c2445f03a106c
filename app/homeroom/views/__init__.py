"""Blueprint "homeroom": the GVCN's class book — the classes (class_book: the list, a
class's summary per term or year, rèn luyện and nhận xét), attendance, summer results
and the practical-part exemptions. BGH read everything; the writes are the GVCN's, the
exemption decisions BGH's; once a close froze the data, the corrections page (GVCN
proposes, BGH decides)."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.audit import registry
from app.homeroom import queries
from app.homeroom.services import ACTION_LABELS
from app.homeroom.views import attendance, class_book, corrections, exemptions, summer

bp = Blueprint("homeroom", __name__, url_prefix="/homeroom")
for page in (class_book, attendance, summer, exemptions, corrections):
    page.routes.register(bp)


@bp.record_once
def _tell_audit(state: BlueprintSetupState) -> None:
    registry.register_subject(
        state.app, registry.SubjectKind("exemption", queries.exemption_subject_for, queries.exemption_links)
    )
    registry.register_subject(
        state.app,
        registry.SubjectKind("homeroom_correction", queries.correction_subject_for, queries.correction_links),
    )
    # the exemption.* actions are written by app.gradebook's services, which label them
    registry.register_actions(state.app, ACTION_LABELS)
