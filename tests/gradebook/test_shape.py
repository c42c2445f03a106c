"""The grade book and the class book keep the package shape of docs/architecture.md: views
in a `views/` package that never touch the session (the unit of work commits), and a
Vietnamese label registered with audit for every action their services write."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
PACKAGES = ("gradebook", "homeroom")
#: an action literal: audit.record(actor, "kind.done", …) or a writer's action="kind.done"
ACTION = re.compile(
    r"""audit\.record\(\s*\w+,\s*["']([a-z_]+\.[a-z_]+)["']|action(?:: str)? ?= ?["']([a-z_]+\.[a-z_]+)["']"""
)
#: actions built by core.workflow.transition() from the subject's kind and the move
WORKFLOW_ACTIONS = {
    "correction.approved",
    "correction.returned",
    "correction.withdrawn",
    "exemption.approved",
    "exemption.returned",
}


@pytest.mark.parametrize("package", PACKAGES)
def test_views_are_a_package_that_never_touches_the_session(package: str) -> None:
    root = APP / package
    assert not list(root.glob("views_*.py")) and not (root / "views.py").exists()
    modules = sorted((root / "views").glob("*.py"))
    assert {"__init__.py", "common.py"} <= {p.name for p in modules}
    offenders = [
        f"{p.name}: {m.group(0)}"
        for p in modules
        for m in re.finditer(r"db\.session|\.commit\(|\.rollback\(|select\(", p.read_text("utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize("module", ["models", "policy", "queries", "forms", "services"])
@pytest.mark.parametrize("package", PACKAGES)
def test_the_same_files_in_the_same_roles(package: str, module: str) -> None:
    root = APP / package
    assert (root / f"{module}.py").exists() or (root / module / "__init__.py").exists()


def test_policy_modules_make_no_queries() -> None:
    for package in PACKAGES:
        text = (APP / package / "policy.py").read_text("utf-8")
        assert "db.session" not in text and "select(" not in text and "import db" not in text


def test_every_action_written_has_a_vietnamese_label(app) -> None:
    from app.audit.registry import registry

    written = set(WORKFLOW_ACTIONS)
    for package in PACKAGES:
        for path in (APP / package).rglob("*.py"):
            if "views" not in path.parts:
                written.update(a or b for a, b in ACTION.findall(path.read_text("utf-8")))
    labels = registry(app).labels
    assert len(written) >= 23
    missing = sorted(a for a in written if not labels.get(a) or labels[a] == a)
    assert missing == []
