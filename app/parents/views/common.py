"""What the parent pages share: the principal from the cookie, the one plain 404, the
rate limit on failures, the cookie itself."""

from __future__ import annotations

from typing import NoReturn

from flask import abort, current_app, make_response, request
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.core.models import utcnow
from app.extensions import limiter
from app.parents import queries, services, tokens
from app.parents.queries import ParentPrincipal
from app.results.models import ResultSnapshot

#: the same bytes for unknown, expired, revoked tokens and a missing or stale cookie
PLAIN_404 = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Không tìm thấy</title></head>'
    "<body><p>Không tìm thấy trang bạn yêu cầu.</p></body></html>"
)


def _fail_rate() -> str:
    rate: str = current_app.config["SODIENTU_PARENT_FAIL_RATE"]
    return rate


#: failures only (404s) count, per IP, in the shared storage (every worker counts the same)
limit_failures = limiter.shared_limit(
    _fail_rate, scope="parents-failures", deduct_when=lambda response: response.status_code == 404
)


def plain_404(hashed: str = "", outcome: str = "unknown", link_id: int | None = None) -> NoReturn:
    services.log_failure(outcome, hashed, link_id)
    abort(make_response(PLAIN_404, 404))


def principal() -> ParentPrincipal:
    """The parent this request acts for (the cookie's link, still usable), or the plain 404."""
    found = queries.principal_of(tokens.read_claim(request.cookies.get(tokens.cookie_name())), utcnow())
    if found is None:
        plain_404(outcome="no_session")
    return found


def own_point(who: ParentPrincipal, snapshot_id: int) -> ResultSnapshot:
    """One of the child's published points, or the plain 404 (another child's looks the same)."""
    found = queries.point_for(who, snapshot_id)
    if found is None:
        plain_404(outcome="not_own_point", link_id=who.link_id)
    return found


def with_cookie(response: Response, link_id: int, hashed: str) -> Response:
    response.set_cookie(
        tokens.cookie_name(),
        tokens.sign_claim(link_id, hashed),
        max_age=tokens.max_age(),
        path="/",
        secure=bool(current_app.config["SODIENTU_HTTPS"]),
        httponly=True,
        samesite="Strict",
    )
    return response


#: a scanner past the failure limit gets these few bytes: no template, no lookup
PLAIN_429 = (
    '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Thử lại sau</title></head>'
    "<body><p>Quá nhiều lần thử. Vui lòng thử lại sau ít phút.</p></body></html>"
)


def plain_429(error: HTTPException) -> Response:
    """The rate limit's answer on the parent pages: plain, with the limiter's Retry-After."""
    response = make_response(PLAIN_429, 429)
    retry = error.get_response().headers.get("Retry-After")
    if retry:
        response.headers["Retry-After"] = retry
    return response
