"""The only reader of HX-* request headers, and the helpers that answer htmx.

A GET returns the full page, or only its fragment for a non-boosted htmx request;
every HTML response varies on HX-Request (set in create_app's after_request).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, make_response, redirect, render_template, request


def is_htmx() -> bool:
    return bool(getattr(request, "htmx", False))


def is_fragment_request() -> bool:
    return is_htmx() and not request.htmx.boosted  # type: ignore[attr-defined]


def page_or_fragment(page: str, fragment: str, status: int = 200, **context: Any) -> Response:
    template = fragment if is_fragment_request() else page
    return make_response(render_template(template, **context), status)


def render_fragment(fragment: str, status: int = 200, trigger: str | dict | None = None, **context: Any) -> Response:
    response = make_response(render_template(fragment, **context), status)
    if trigger:
        add_trigger(response, trigger)
    return response


def add_trigger(response: Response, trigger: str | dict) -> Response:
    response.headers["HX-Trigger"] = trigger if isinstance(trigger, str) else json.dumps(trigger)
    return response


def redirect_to(url: str) -> Response:
    """After a successful action: HX-Redirect for htmx, 303 See Other otherwise."""
    if is_htmx():
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)  # type: ignore[return-value]


def login_redirect(login_url: str) -> Response:
    """Not logged in: 401 + HX-Redirect for htmx (never a login page swapped into a cell)."""
    if is_htmx():
        response = make_response("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.", 401)
        response.headers["HX-Redirect"] = login_url
        return response
    return redirect(login_url)  # type: ignore[return-value]
