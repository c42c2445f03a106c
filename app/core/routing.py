"""URL converters shared by every blueprint.

`<int:…>` arguments are database ids. Id columns are 32-bit integers (PostgreSQL
INTEGER), so a larger number cannot name anything: the route simply does not match
(404) instead of reaching the database driver (SQLite raises OverflowError beyond
2**63 - 1, which used to surface as a 500).
"""

from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter

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
