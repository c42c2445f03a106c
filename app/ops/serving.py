"""Start-up guard for serving with several processes (issue 13.1).

Flask-Limiter's `memory://` storage keeps its counters inside each process: with N gunicorn
workers every worker counts on its own and the sign-in limit is worth N times as much. The
default storage (`sodientu-db://`, app.core.ratelimit) and Redis (REDIS_URL) are shared by
every worker; only `memory://` is refused with more than one worker.

Two places call `refusal()`:
- gunicorn.conf.py's `on_starting` hook (read by gunicorn from the working directory, or
  `-c`): the master stops with the message before it binds or forks anything;
- `check(app)` in create_app, for a start without that file: the worker count comes from
  WEB_CONCURRENCY or from the gunicorn configuration of the process loading the app.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask


class ServingRefused(RuntimeError):
    pass


def refusal(config: Mapping[str, Any], workers: int) -> str | None:
    """The sentence refusing this start, or None when it is safe."""
    storage = str(config.get("RATELIMIT_STORAGE_URI") or "")
    if workers <= 1 or not storage.startswith("memory://"):
        return None
    redis = "" if config.get("REDIS_URL") else " và chưa đặt REDIS_URL"
    return (
        f"Không khởi động: {workers} tiến trình (workers) nhưng bộ đếm giới hạn đăng nhập nằm trong bộ nhớ "
        f"của từng tiến trình (RATELIMIT_STORAGE_URI={storage}){redis} — mỗi tiến trình đếm riêng, giới hạn "
        f"bị nhân lên {workers} lần. Hãy đặt REDIS_URL=redis://…, hoặc bỏ RATELIMIT_STORAGE_URI để dùng bộ "
        "đếm chung trong cơ sở dữ liệu (sodientu-db://), hoặc chạy một tiến trình (-w 1).\n"
        f"Refusing to start: {workers} workers with an in-memory rate limiter ({storage}); each worker would "
        "count sign-in attempts on its own. Set REDIS_URL, or drop RATELIMIT_STORAGE_URI to use the shared "
        "database counter (sodientu-db://), or run a single worker."
    )


def gunicorn_workers() -> int | None:
    """The worker count of the gunicorn process loading the app, if gunicorn is loading it."""
    if "gunicorn" not in sys.modules:
        return None
    from gunicorn.config import Config

    frame = inspect.currentframe()
    while frame is not None:
        owner = frame.f_locals.get("self")
        cfg = getattr(owner, "cfg", None)
        if isinstance(cfg, Config):
            return int(cfg.workers)
        frame = frame.f_back
    return None


def worker_count() -> int:
    counted = gunicorn_workers()
    if counted is not None:
        return counted
    env = os.environ.get("WEB_CONCURRENCY", "")
    return int(env) if env.isdigit() else 1


def check(app: Flask) -> None:
    """create_app's guard: raise ServingRefused for several workers on memory://."""
    message = refusal(app.config, worker_count())
    if message:
        raise ServingRefused(message)
