"""Flask extensions, created unbound and initialised in create_app(). `db` is created in
core.database (core imports nothing above it) and re-exported here with the others."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx

from app.core.database import db  # defined in core, which may not import this module

__all__ = ["babel", "csrf", "db", "htmx", "limiter", "login_manager", "migrate"]

migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
babel = Babel()
htmx = Htmx()
