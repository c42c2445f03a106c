"""Browser journeys: Playwright driving Debian's chromium against a live server.

No `playwright install`: the browser is /usr/bin/chromium (installed by `make test`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *CHROMIUM_ARGS],
    }


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app served on a free loopback port for the duration of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def browser_login(page):  # type: ignore[no-untyped-def]
    """browser_login(base_url, username, password): sign in through the real login form."""

    def _login(base_url: str, username: str, password: str = "mat-khau-rat-dai-2024") -> None:
        page.goto(f"{base_url}/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url(re.compile(r"^(?!.*/login).*$"))

    return _login


class ConsoleGuard:
    """Every console error and uncaught page error fails the journey. The one exception a
    journey may declare: the browser's own "Failed to load resource … status of 422" line
    for an invalid value it typed on purpose (the status contract answers 409/422 there)."""

    RESOURCE = re.compile(r"^Failed to load resource: the server responded with a status of (\d{3})")

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed_statuses: set[int] = set()

    def allow(self, *statuses: int) -> None:
        self.allowed_statuses.update(statuses)

    def record(self, kind: str, text: str) -> None:
        if kind != "error":
            return
        match = self.RESOURCE.match(text)
        if match and int(match.group(1)) in self.allowed_statuses:
            return
        self.errors.append(text)


@pytest.fixture(autouse=True)
def console_guard(page) -> Iterator[ConsoleGuard]:  # type: ignore[no-untyped-def]
    guard = ConsoleGuard()
    page.on("console", lambda msg: guard.record(msg.type, msg.text))
    page.on("pageerror", lambda exc: guard.errors.append(f"uncaught: {exc}"))
    yield guard
    assert guard.errors == [], f"console errors during the journey: {guard.errors}"
