"""Blueprint "signing": certificates (each person's own, the school seal's status), signing
one document or a batch, and the public verification page /verify/<code>."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from app.audit import registry
from app.core import files
from app.signing import services
from app.signing.models import DeliveredCopy, DocumentSignature
from app.signing.views import batches, certificates, revoke, sign, verify

bp = Blueprint("signing", __name__)
for page in (certificates, sign, batches, revoke, verify):
    page.routes.register(bp)


@bp.record_once
def _register_audit(state: BlueprintSetupState) -> None:
    registry.register_actions(state.app, services.ACTION_LABELS, services.FEED_ACTIONS)
    files.register_reference(DocumentSignature.sha256)
    files.register_reference(DeliveredCopy.sha256)
