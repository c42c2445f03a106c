"""Blueprint "signing": certificates (each person's own, the school seal's status), signing
one document or a batch, and the public verification page /verify/<code>."""

from __future__ import annotations

from flask import Blueprint

from app.signing.views import certificates, sign, verify

bp = Blueprint("signing", __name__)
for page in (certificates, sign, verify):
    page.routes.register(bp)
