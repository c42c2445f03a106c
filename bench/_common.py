"""Shared helpers for benchmarks: a demo-school database and percentile printing."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def demo_app():  # type: ignore[no-untyped-def]
    """A fresh app on a temporary SQLite file holding the migrated demo school."""
    from flask_migrate import upgrade

    from app import create_app

    folder = Path(tempfile.mkdtemp(prefix="sodientu-bench-"))
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder / 'bench.db'}"),
            "SODIENTU_DATA_DIR": str(folder),
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        upgrade(revision="heads")
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    if result.exit_code != 0:
        raise SystemExit(f"seed-demo failed: {result.output}")
    return app


def login(app, username: str, password: str = "Demo@2024-2025"):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert response.status_code == 303, response.status_code
    return client


def measure(label: str, fn: Callable[[], object], runs: int = 200, warmup: int = 10) -> dict:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    figures = {
        "label": label,
        "runs": runs,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(runs * 0.95) - 1], 2),
        "p99_ms": round(samples[int(runs * 0.99) - 1], 2),
        "max_ms": round(samples[-1], 2),
    }
    print(
        f"{label:<45} p50 {figures['p50_ms']:>7.2f} ms   p95 {figures['p95_ms']:>7.2f} ms   "
        f"p99 {figures['p99_ms']:>7.2f} ms   (n={runs})"
    )
    return figures


def save(name: str, rows: list[dict]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
