"""URL converters shared by every blueprint, and the route table of a page module.

A domain's `views/` package defines its blueprint in `views/__init__.py` and registers the
routes of its page modules there (`routes.register(bp)`); page modules never import the
package back, so no import cycle exists between a blueprint and its pages.

`<int:…>` arguments are database ids. Id columns are 32-bit integers (PostgreSQL
INTEGER), so a larger number cannot name anything: the route simply does not match
(404) instead of reaching the database driver (SQLite raises OverflowError beyond
2**63 - 1, which used to surface as a 500).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint
from werkzeug.routing import IntegerConverter

F = TypeVar("F", bound=Callable[..., Any])

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    def __init__(
        self,
        map: Any,
        fixed_digits: int = 0,
        min: int | None = None,  # noqa: A002
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def db_id(value: str) -> int:
    """`request.args.get(name, type=db_id)`: an id, or the default when it cannot be one."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError(value)
    return number


class Routes:
    """The routes of one page module, registered on the domain's blueprint by views/__init__.py.

        routes = Routes()

        @routes.route("/<int:record_id>")
        @allow(VIEWERS)
        def detail(record_id: int) -> str: ...

    `route()` takes the arguments of `Blueprint.route()`; the endpoint is the function name.
    """

    def __init__(self) -> None:
        self._rules: list[tuple[str, Callable[..., Any], dict[str, Any]]] = []

    def route(self, rule: str, **options: Any) -> Callable[[F], F]:
        def collect(view: F) -> F:
            self._rules.append((rule, view, options))
            return view

        return collect

    def register(self, bp: Blueprint) -> None:
        for rule, view, options in self._rules:
            bp.add_url_rule(rule, view_func=view, **options)
