"""Sổ điện tử — application factory (wiring only: no schema creation, no network)."""

from __future__ import annotations

import logging
import os
import secrets
import uuid
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Defaults
from app.extensions import babel, csrf, db, htmx, limiter, login_manager, migrate

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; "
    "connect-src 'self'"
)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    _load_config(app, test_config)
    _check_serving(app)
    _init_extensions(app)
    _register_blueprints(app)
    _register_hooks(app)
    _register_cli(app)
    _configure_logging(app)
    return app


def _load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    env = os.environ
    for key in dir(Defaults):
        if key.startswith("SODIENTU_") and key in env:
            app.config[key] = _env_value(env[key])
    if env.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(env["DATABASE_URL"])
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", f"sqlite:///{Path(app.instance_path) / 'sodientu.db'}")
    if env.get("REDIS_URL"):
        app.config["REDIS_URL"] = env["REDIS_URL"]
    if env.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = env["SECRET_KEY"]
    if env.get("RATELIMIT_STORAGE_URI"):  # e.g. memcached://…; memory:// only with one worker
        app.config["RATELIMIT_STORAGE_URI"] = env["RATELIMIT_STORAGE_URI"]
    if test_config:
        app.config.update(test_config)
    if app.config.get("REDIS_URL") and app.config["RATELIMIT_STORAGE_URI"] == Defaults.RATELIMIT_STORAGE_URI:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]  # shared limits on Redis
        app.config["RATELIMIT_STRATEGY"] = "moving-window"
    if not app.config.get("SODIENTU_DATA_DIR"):
        app.config["SODIENTU_DATA_DIR"] = app.instance_path
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app)
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(app.config["SQLALCHEMY_DATABASE_URI"])
    app.config["MAX_CONTENT_LENGTH"] = app.config["SODIENTU_UPLOAD_MAX_MB"] * 1024 * 1024 + 256 * 1024
    _cookie_settings(app)


def _check_serving(app: Flask) -> None:
    """Several workers with per-process (memory://) rate limits are refused (app.ops.serving)."""
    from app.ops import serving

    serving.check(app)


def _env_value(value: str) -> Any:
    lowered = value.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    return int(value) if value.isdigit() else value


def _normalise_db_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _instance_secret_key(app: Flask) -> str:
    """Generated once into instance/secret_key (0600), never committed."""
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def _cookie_settings(app: Flask) -> None:
    https = bool(app.config["SODIENTU_HTTPS"])
    app.config["SESSION_COOKIE_SECURE"] = https
    app.config["REMEMBER_COOKIE_SECURE"] = https
    # __Host- cookies must be Secure, so the prefix is used only over HTTPS
    if app.config["SESSION_COOKIE_NAME"] == "session":  # Flask's default: pick ours
        app.config["SESSION_COOKIE_NAME"] = "__Host-session" if https else "sodientu_session"
    app.config["REMEMBER_COOKIE_NAME"] = "__Host-remember" if https else "sodientu_remember"
    hops = int(app.config["SODIENTU_PROXY_HOPS"])
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


#: every module defining tables, so that migrations and mappers see all of them
MODEL_MODULES = (
    "app.core.ratelimit",  # also registers the shared rate-limit storage with `limits`
    "app.accounts.models",
    "app.school.models",
    "app.audit.models",
    "app.records.models",
    "app.gradebook.models",
    "app.homeroom.models",
    "app.results.models",
    "app.reports.models",
    "app.signing.models",
    "app.parents.models",
    "app.privacy.models",
)


def _init_extensions(app: Flask) -> None:
    import importlib

    from app.core import database  # noqa: F401  (engine event listeners)

    for module in MODEL_MODULES:
        importlib.import_module(module)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    login_manager.init_app(app)
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app)
    htmx.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from app.core.routing import IdConverter

    app.url_map.converters["int"] = IdConverter  # ids past the id columns: 404, never 500
    from app.accounts import session as _session  # noqa: F401  (user loader)
    from app.accounts.views import bp as accounts_bp
    from app.audit.views import bp as audit_bp
    from app.gradebook.views import bp as gradebook_bp
    from app.home.views import bp as home_bp
    from app.homeroom.views import bp as homeroom_bp
    from app.ops.views import bp as ops_bp
    from app.parents.views import bp as parents_bp
    from app.privacy.views import bp as privacy_bp
    from app.records.views import bp as records_bp
    from app.reports.views import bp as reports_bp
    from app.results.views import bp as results_bp
    from app.school.views import bp as school_bp
    from app.signing.views import bp as signing_bp

    blueprints = (
        home_bp,
        school_bp,
        gradebook_bp,
        homeroom_bp,
        results_bp,
        reports_bp,
        signing_bp,
        parents_bp,
        privacy_bp,
        records_bp,
        audit_bp,
        ops_bp,
    )
    for bp in (accounts_bp, *blueprints):
        app.register_blueprint(bp)


def _register_hooks(app: Flask) -> None:
    from app.accounts.session import check_session
    from app.audit.services import record_denial
    from app.core import authz, template_helpers
    from app.core.errors import register_error_handlers

    authz.access_denied.connect(record_denial, app)
    register_error_handlers(app)
    template_helpers.register(app)

    @app.before_request
    def _request_id() -> None:
        g.request_id = uuid.uuid4().hex[:16]

    app.before_request(authz.enforce_endpoint_policy)
    app.before_request(check_session)

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Request-ID"] = g.get("request_id", "")
        if request.endpoint != "static":
            headers.setdefault("Cache-Control", "no-store")
            response.vary.add("HX-Request")
        if app.config["SODIENTU_HTTPS"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def _register_cli(app: Flask) -> None:
    from app.audit.cli import audit_cli
    from app.cli import register as register_cli
    from app.ops.cli import register as register_ops_cli
    from app.parents.cli import register as register_parents_cli
    from app.reports.cli import register as register_reports_cli
    from app.signing.cli import register as register_signing_cli

    app.cli.add_command(audit_cli)
    register_cli(app)
    register_ops_cli(app)
    register_reports_cli(app)
    register_signing_cli(app)
    register_parents_cli(app)


def _configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        from app.core import logfmt

        logfmt.configure(logging.INFO)  # one event per line, tracebacks escaped too
