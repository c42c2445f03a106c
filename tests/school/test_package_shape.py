"""accounts imports nothing of school (the layers; the rest of the package shape is
tests/test_architecture.py's, for every domain)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def test_accounts_imports_nothing_of_school() -> None:
    for path in (APP / "accounts").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("app.school"), (path.name, node.module)
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("app.school") for a in node.names), path.name
