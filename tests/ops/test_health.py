"""GET /healthz (issue 13.1): public, no data — 200 {"status": "ok"} when the database (and,
when REDIS_URL is set, Redis) answers; 503 naming what failed, and nothing else."""

from __future__ import annotations

import json

from app import create_app
from app.extensions import db
from tests.conftest import BASE_CONFIG
from tests.ops.conftest import free_port


def _app(uri: str, tmp_path, **config):  # type: ignore[no-untyped-def]
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": uri, "SODIENTU_DATA_DIR": str(tmp_path), **config})


def test_healthz_is_public_and_says_ok(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert client.head("/healthz").status_code == 200


def test_healthz_answers_503_naming_the_database_when_it_cannot_be_read(tmp_path) -> None:
    app = _app(f"sqlite:///{tmp_path / 'not-migrated.db'}", tmp_path)  # no schema: nothing to read
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "failed": ["database"]}
    with app.app_context():
        db.engine.dispose()


def test_healthz_checks_redis_when_configured(template_db, tmp_path, redis_url) -> None:
    uri = template_db if "://" in template_db else f"sqlite:///{template_db}"
    app = _app(uri, tmp_path, REDIS_URL=redis_url)
    assert app.test_client().get("/healthz").get_json() == {"status": "ok"}
    with app.app_context():
        db.engine.dispose()


def test_healthz_names_redis_without_revealing_its_address_or_password(template_db, tmp_path) -> None:
    uri = template_db if "://" in template_db else f"sqlite:///{template_db}"
    port = free_port()  # nobody listens there
    app = _app(uri, tmp_path, REDIS_URL=f"redis://:mat-khau-redis@127.0.0.1:{port}/0")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "failed": ["redis"]}
    body = response.get_data(as_text=True)
    assert "mat-khau-redis" not in body and str(port) not in body and "127.0.0.1" not in body
    assert json.loads(body).keys() == {"status", "failed"}
    with app.app_context():
        db.engine.dispose()
