"""Per-request constants computed once: the current school year, the departments a user
leads, a teacher's homeroom classes… are read by the page, the role checks and the
navigation menu alike. `memo(key, compute)` keeps the answer on the current request (never
across requests, never outside one) and forgets everything as soon as the session writes
(any flush), so a page that changes one of them reads it afresh."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
_ATTR = "_sodientu_memo"


def _store() -> dict[Hashable, Any] | None:
    if not has_request_context():
        return None
    current = request._get_current_object()  # type: ignore[attr-defined]
    store: dict[Hashable, Any] | None = getattr(current, _ATTR, None)
    if store is None:
        store = {}
        setattr(current, _ATTR, store)
    return store


def memo(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()` once per request for `key` (computed every time outside a request)."""
    store = _store()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def forget() -> None:
    store = _store()
    if store:
        store.clear()


@event.listens_for(Session, "after_flush")
def _after_flush(*_: Any) -> None:
    forget()


@event.listens_for(Session, "after_rollback")
def _after_rollback(*_: Any) -> None:
    forget()
