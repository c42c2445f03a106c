"""verify pages: /verify (type a code) and /verify/<code> (what the school issued under it,
and a PDF upload checked against it). Public, no login, rate-limited per IP across workers,
no-store, noindex; never a full name or a score (app.signing.verification)."""

from __future__ import annotations

from typing import Any

from flask import current_app, render_template, request, url_for
from werkzeug.wrappers import Response

from app.core.authz import public
from app.core.database import unit_of_work
from app.core.htmx import redirect_to
from app.core.routing import Routes
from app.extensions import limiter
from app.signing import verification

routes = Routes()
ROBOTS = "noindex, nofollow, noarchive"


def _verify_rate() -> str:
    rate: str = current_app.config["SODIENTU_VERIFY_RATE"]
    return rate


def _upload_rate() -> str:
    rate: str = current_app.config["SODIENTU_VERIFY_UPLOAD_RATE"]
    return rate


def _page(template: str, status: int, **context: Any) -> tuple[str, int, dict[str, str]]:
    headers = {"X-Robots-Tag": ROBOTS, "Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
    return render_template(template, **context), status, headers


@routes.route("/verify", methods=["GET"])
@public
@limiter.shared_limit(_verify_rate, scope="verify")
def verify_index() -> Response | tuple[str, int, dict[str, str]]:
    typed = request.args.get("code", "")
    if typed:
        code = verification.normalise_code(typed)
        return redirect_to(url_for("signing.verify_code", code=code or typed.strip()[:20] or "-"))
    return _page("signing/verify.html", 200)


@routes.route("/verify/<code>", methods=["GET"])
@public
@limiter.shared_limit(_verify_rate, scope="verify")
def verify_code(code: str) -> tuple[str, int, dict[str, str]]:
    _document, facts = verification.lookup(code)
    form = verification.upload_form()
    return _page("signing/verify_code.html", 200 if facts else 404, facts=facts, form=form, typed=code[:20])


@routes.route("/verify/<code>", methods=["POST"])
@public
@limiter.shared_limit(_verify_rate, scope="verify")
@limiter.limit(_upload_rate, methods=["POST"])
def verify_upload(code: str) -> tuple[str, int, dict[str, str]]:
    with unit_of_work():  # a POST's transaction takes SQLite's write lock: end it before validating
        document, facts = verification.lookup(code)
        known = verification.known_hashes(document) if document is not None else []
    form = verification.upload_form()
    if document is None or facts is None:
        return _page("signing/verify_code.html", 404, facts=None, form=form, typed=code[:20])
    verdict, error, status = None, None, 200
    if form.validate_on_submit():
        try:
            data = verification.read_upload(form.pdf.data)
            verdict = verification.verify_upload(document, data, known)
        except verification.TooLarge as exc:
            error, status = str(exc), 413
        except verification.NotAPdf as exc:
            error, status = str(exc), 422
    else:
        error, status = "Hãy chọn tệp PDF cần kiểm tra (hoặc tải lại trang rồi thử lại).", 422
    return _page("signing/verify_code.html", status, facts=facts, form=form, verdict=verdict, error=error)
