"""Blueprint "accounts": signing in and out, one's own password.

The staff management screens are the school's (`school.staff_list`…): they need the tổ.
"""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.accounts import services
from app.accounts.views import password, signin
from app.audit import registry

bp = Blueprint("accounts", __name__)
for page in (signin, password):
    page.routes.register(bp)


@bp.record_once
def _tell_audit(state: BlueprintSetupState) -> None:
    registry.register_actions(state.app, services.ACTION_LABELS)
