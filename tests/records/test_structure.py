"""The shape of the records package (docs/architecture.md): views only load, authorize,
validate, call one service inside the unit of work and respond."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "app" / "records"
VIEWS = sorted((PACKAGE / "views").glob("*.py"))
#: what only services (writes) and queries (reads) may do
FORBIDDEN = re.compile(r"\bdb\.|\bsession\.|\bselect\(|\.commit\(|\.rollback\(|\bintend_write\b")


def test_the_package_has_the_shape_of_every_domain() -> None:
    for name in ("models.py", "policy.py", "queries.py", "forms.py", "services/__init__.py", "views/__init__.py"):
        assert (PACKAGE / name).is_file(), name
    assert not list(PACKAGE.glob("views_*.py"))


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: p.name)
def test_views_run_no_queries_and_no_transactions_of_their_own(path: Path) -> None:
    offending = [
        f"{path.name}:{n}: {line.strip()}"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if FORBIDDEN.search(line.split("#")[0]) and not line.lstrip().startswith(('"', "'"))
    ]
    assert offending == []


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: p.name)
def test_every_view_is_at_most_25_lines(path: Path) -> None:
    long = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.FunctionDef) and any("route" in ast.unparse(d) for d in node.decorator_list):
            size = (node.end_lineno or node.lineno) - node.lineno + 1 - len(node.decorator_list)
            if size > 25:
                long.append(f"{node.name}: {size}")
    assert long == []
