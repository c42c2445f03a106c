"""SECURITY.md tests 24 (cache/vary leftovers) and 27 (CSP-compatible markup), on every page.

Each GET route of app.url_map is requested by every harness role, as a page and as an
htmx fragment, with real ids from the fixture school. Every authenticated answer must
be `Cache-Control: no-store` (a shared or back/forward cache must never keep a class
list) and HTML must carry `Vary: HX-Request` (a page and its fragment share a URL).
The CSP has no 'unsafe-inline', so an inline `style="…"`, an inline `<script>` or an
`on…=` handler in rendered HTML is silently broken in browsers: none may appear.
"""

from __future__ import annotations

import re

from tests.security.conftest import (
    build,
    int_args,
    is_html,
    walk_plan,
)

ROLES = ("admin", "ht", "t1", "tt_toan", "gvcn")
INLINE = {
    "style attribute": re.compile(r"\sstyle\s*=", re.I),
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc\s*=)[^>]*>", re.I),
    "on… handler": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "hx-on": re.compile(r"\shx-on", re.I),
    "javascript: URL": re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I),
}


def _responses(app, sec, login_as, users):  # type: ignore[no-untyped-def]
    clients = {role: login_as(users[role]) for role in ROLES}
    for role, rule in walk_plan(app, ROLES):
        url = build(rule, {a: sec.any_ids[a][0] for a in int_args(rule) if a in sec.any_ids})
        for shape in ("page", "htmx"):
            client = clients[role]
            response = client.get(url) if shape == "page" else client.htmx("GET", url)
            yield role, rule, url, shape, response
            response.close()


def _problems(response) -> list[str]:  # type: ignore[no-untyped-def]
    found = []
    if "no-store" not in response.headers.get("Cache-Control", ""):
        found.append(f"Cache-Control={response.headers.get('Cache-Control')!r}")
    if is_html(response):
        if "HX-Request" not in response.headers.get("Vary", ""):
            found.append(f"Vary={response.headers.get('Vary')!r}")
        body = response.get_data(as_text=True)
        for name, pattern in INLINE.items():
            if match := pattern.search(body):
                found.append(f"{name}: {match.group(0)[:80]!r}")
    return found


def test_every_authenticated_get_is_no_store_varies_on_htmx_and_has_no_inline_code(app, sec, login_as, users) -> None:
    failures, pages = [], 0
    for role, rule, url, shape, response in _responses(app, sec, login_as, users):
        assert response.status_code < 500, (role, url, shape)
        pages += response.status_code == 200 and is_html(response)
        failures += [f"{rule.endpoint} {url} as {role} ({shape}): {p}" for p in _problems(response)]
    assert failures == [], "\n".join(failures)
    assert pages >= 60  # the walk really rendered pages, not only denials


def test_the_inline_checks_see_inline_code() -> None:
    """Control: each pattern finds its offence and passes clean markup."""
    offences = [
        '<p style="color:red">',
        "<script>alert(1)</script>",
        '<a onclick="x()">',
        '<div hx-on:click="x">',
        '<a href="javascript:x()">',
    ]
    for pattern, offence in zip(INLINE.values(), offences, strict=True):
        assert pattern.search(offence)
    clean = (
        '<script src="/static/js/app.js" defer></script><p class="note">'
        "onerror=x &lt;img src=x onerror=alert(1)&gt;</p>"
    )
    assert not any(p.search(clean) for p in INLINE.values())
