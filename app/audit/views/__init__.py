"""Blueprint "audit": an object's timeline, the BGH's live feed (htmx polling every 5 s),
the chain head and a printable daily digest whose head hash the school keeps outside the
server (a chain alone cannot reveal a full rewrite)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.audit import registry
from app.audit.services import ACTION_LABELS, NOTABLE_ACTIONS
from app.audit.views import pages
from app.core.authz import Role
from app.core.workflow import STATE_LABELS

bp = Blueprint("audit", __name__, url_prefix="/audit")
pages.routes.register(bp)


@bp.record_once
def _own_labels(state: BlueprintSetupState) -> None:
    registry.register_actions(state.app, ACTION_LABELS, notable=NOTABLE_ACTIONS)


@bp.app_context_processor
def _labels() -> dict[str, Any]:
    # STATE_LABELS keys are StrEnum: looked up by the stored string
    return {
        "audit_action_label": registry.action_label,
        "audit_describe": registry.describe,
        "audit_actor_roles": actor_role_labels,
        "audit_state_label": lambda s: STATE_LABELS.get(s, s),
    }


def actor_role_labels(event: Any) -> str:
    """The roles the actor held when acting ("Giáo viên, Tổ trưởng chuyên môn")."""
    codes = [c for c in (event.actor_role or "").split(",") if c]
    order = list(Role)
    roles = sorted((Role(c) for c in codes if c in Role._value2member_map_), key=order.index)
    return ", ".join(r.label for r in roles)
