"""Configuration and database set-up (SECURITY.md D-5, test 35's pragma half; ProxyFix)."""

from __future__ import annotations

import os
import stat

from sqlalchemy import text

from app import create_app
from app.extensions import db


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    app.instance_path = str(tmp_path)  # keep the real instance folder untouched
    from app import _instance_secret_key

    first = _instance_secret_key(app)
    second = _instance_secret_key(app)
    assert first == second and len(first) == 64
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600


def test_database_url_env_selects_postgresql_with_psycopg3(monkeypatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/x")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db:5432/x"


def test_env_settings_override_defaults(monkeypatch) -> None:
    monkeypatch.setenv("SODIENTU_UPLOAD_MAX_MB", "5")
    monkeypatch.setenv("SODIENTU_HTTPS", "1")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SODIENTU_UPLOAD_MAX_MB"] == 5
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_sqlite_connections_run_wal_full_sync_and_foreign_keys(app) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return  # PostgreSQL has no pragmas; the check is SQLite's
    with app.app_context():
        conn = db.session.connection()
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_proxy_hops_make_client_ip_and_https_right(template_db) -> None:
    from flask import request

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", "SODIENTU_PROXY_HOPS": 1})
    seen = {}

    @app.get("/_probe")
    def _probe():  # type: ignore[no-untyped-def]
        seen["ip"], seen["secure"] = request.remote_addr, request.is_secure
        return ""

    _probe._public = True  # type: ignore[attr-defined]
    app.test_client().get("/_probe", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert seen == {"ip": "203.0.113.7", "secure": True}


def test_without_proxy_setting_forwarded_headers_are_ignored(template_db) -> None:
    from flask import request

    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    seen = {}

    @app.get("/_probe")
    def _probe():  # type: ignore[no-untyped-def]
        seen["ip"] = request.remote_addr
        return ""

    _probe._public = True  # type: ignore[attr-defined]
    app.test_client().get("/_probe", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen["ip"] == "127.0.0.1"
