"""The GVCN's receipts export per class and report point (xlsx, CSV)."""

from __future__ import annotations

from flask import abort, request
from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core import files, xlsx
from app.core.authz import allow
from app.core.routing import Routes
from app.parents import exports, queries
from app.parents.views.staff import MANAGERS

routes = Routes()


@routes.route("/parents/classes/<int:class_id>/receipts.<fmt>")
@allow(MANAGERS)
def receipts(class_id: int, fmt: str) -> Response:
    cls = queries.managed_class(current_actor(), class_id)
    point = exports.class_point(cls, request.args.get("period", ""), request.args.get("ref", ""))
    if point is None or fmt not in ("xlsx", "csv"):
        abort(404)
    rows = exports.receipt_rows(cls, point)
    name = f"da-xem-{cls.name}-{point.slug}.{fmt}"
    if fmt == "csv":
        return files.attachment(exports.to_csv(exports.RECEIPT_COLUMNS, rows), name, "text/csv; charset=utf-8")
    title = f"Phụ huynh lớp {cls.name} đã xem báo liên lạc — {point.label}"
    return xlsx.xlsx_response(exports.to_xlsx(title, exports.RECEIPT_COLUMNS, rows), name)
