"""Read side of operations: is the service able to answer (GET /healthz)."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

log = logging.getLogger(__name__)
#: seconds a health check waits for Redis before calling it down
REDIS_TIMEOUT = 2.0


def database_ok() -> bool:
    """One read of a real table (SQLite answers `SELECT 1` without opening the file)."""
    try:
        db.session.execute(text("SELECT version_num FROM alembic_version")).first()
        return True
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        db.session.rollback()
        return False


def redis_ok(url: str) -> bool:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        log.exception("health check: redis unreachable")
        return False
    finally:
        client.close()


def failed_checks() -> list[str]:
    """Names of what does not answer: "database", and "redis" when REDIS_URL is set."""
    failed = [] if database_ok() else ["database"]
    url = current_app.config.get("REDIS_URL")
    if url and not redis_ok(url):
        failed.append("redis")
    return failed
