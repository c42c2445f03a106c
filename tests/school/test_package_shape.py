"""The school and accounts packages keep the shape of docs/architecture.md: views only
load, authorize, validate, call one service in one unit of work and respond; queries
live in queries.py; accounts imports nothing of school; every audit action they write
has a Vietnamese label."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.audit import registry

APP = Path(__file__).resolve().parents[2] / "app"
PACKAGES = ("school", "accounts")
VIEW_MODULES = sorted(p for pkg in PACKAGES for p in (APP / pkg / "views").glob("*.py"))
FORBIDDEN_IN_VIEWS = {
    "db.session": "a query or write: put it in queries.py or a service",
    "select(": "a query: put it in queries.py",
    ".commit(": "a commit: use core.database.unit_of_work",
    ".rollback(": "a rollback: use core.database.unit_of_work",
    "_get_current_object": "use accounts.session.current_actor()",
}


def test_the_view_packages_exist_and_no_views_modules_remain() -> None:
    for pkg in PACKAGES:
        assert (APP / pkg / "views" / "__init__.py").exists()
        assert not list((APP / pkg).glob("views*.py")), pkg
        for role in ("models.py", "queries.py", "forms.py"):
            assert (APP / pkg / role).exists(), (pkg, role)
    assert (APP / "school" / "services" / "__init__.py").exists() and (APP / "accounts" / "services.py").exists()


@pytest.mark.parametrize("path", VIEW_MODULES, ids=[f"{p.parent.parent.name}/{p.name}" for p in VIEW_MODULES])
def test_view_modules_hold_no_query_and_no_transaction(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    found = [f"{needle!r}: {why}" for needle, why in FORBIDDEN_IN_VIEWS.items() if needle in source]
    assert found == []
    if path.name != "__init__.py":  # page modules never import their package's blueprint
        assert not re.search(r"from app\.\w+\.views import (?!common)", source)
        assert "Blueprint(" not in source


@pytest.mark.parametrize("path", VIEW_MODULES, ids=[f"{p.parent.parent.name}/{p.name}" for p in VIEW_MODULES])
def test_every_view_is_at_most_25_lines(path: Path) -> None:
    long = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef) and any("route" in ast.unparse(d) for d in node.decorator_list):
            size = (node.end_lineno or 0) - node.lineno + 1 - len(node.decorator_list)
            if size > 25:
                long.append(f"{node.name}: {size} lines")
    assert long == []


def test_accounts_imports_nothing_of_school() -> None:
    for path in (APP / "accounts").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("app.school"), (path.name, node.module)
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("app.school") for a in node.names), path.name


def _actions(path: Path) -> set[str]:
    """The action codes passed to audit.record() in a module (literals, constants, a if b else c)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {
        t.id: n.value.value
        for n in tree.body
        if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
        for t in n.targets
        if isinstance(t, ast.Name)
    }

    def codes(node: ast.expr) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Name) and node.id in constants:
            return {constants[node.id]}
        if isinstance(node, ast.IfExp):
            return codes(node.body) | codes(node.orelse)
        raise AssertionError(f"{path.name}: cannot read the action {ast.unparse(node)}")

    found: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "record"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "audit"
        ):
            found |= codes(node.args[1])
    return found


def test_every_action_school_and_accounts_write_has_a_vietnamese_label(app) -> None:
    written = {a for pkg in PACKAGES for path in (APP / pkg).rglob("*.py") for a in _actions(path)}
    assert {"school_year.created", "import.class_roster", "auth.failed", "user.disabled"} <= written
    with app.app_context():
        labels = registry.registry().labels
    assert sorted(a for a in written if a not in labels) == []
    assert all(labels[a] != a and labels[a][0].isupper() for a in written)
