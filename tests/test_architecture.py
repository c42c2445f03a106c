"""Every domain package keeps the shape of docs/architecture.md (issue 7): the same files in
the same roles; a `views/` package whose page modules declare routes on their own table,
never import the blueprint back, never query or touch the transaction (the unit of work
commits), and hold views of at most 25 lines; pure policy modules; and a Vietnamese label
for every audit action the app writes. Import layers and cycles: `lint-imports`."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from app.core.workflow import Action, WorkflowMixin

APP = Path(__file__).resolve().parents[1] / "app"
#: domain → the modules (or packages) it must have
SHAPE = {
    "accounts": ("models", "policy", "queries", "services", "forms", "views"),
    "audit": ("models", "policy", "queries", "services", "views"),
    "school": ("models", "policy", "queries", "services", "forms", "views"),
    "records": ("models", "policy", "queries", "services", "forms", "views"),
    "gradebook": ("models", "policy", "queries", "services", "forms", "views"),
    "homeroom": ("models", "policy", "queries", "services", "forms", "views"),
    "results": ("models", "policy", "queries", "services", "forms", "views"),
    "reports": ("models", "policy", "queries", "services", "forms", "views"),
    "signing": ("models", "policy", "queries", "services", "forms", "views"),
    "parents": ("models", "policy", "queries", "services", "forms", "views"),
    "ops": ("queries", "views"),
    "home": ("views",),
}
VIEW_MODULES = sorted(p for domain in SHAPE for p in (APP / domain / "views").glob("*.py"))
IDS = [f"{p.parent.parent.name}/{p.name}" for p in VIEW_MODULES]
#: what only services (writes) and queries (reads) may do
FORBIDDEN_IN_VIEWS = re.compile(
    r"\bdb\.session|\bselect\(|\.commit\(|\.rollback\(|_get_current_object|\bintend_write\("
)


def _exists(domain: str, module: str) -> bool:
    return (APP / domain / f"{module}.py").is_file() or (APP / domain / module / "__init__.py").is_file()


@pytest.mark.parametrize("domain", sorted(SHAPE))
def test_every_domain_has_the_same_files_in_the_same_roles(domain: str) -> None:
    missing = [m for m in SHAPE[domain] if not _exists(domain, m)]
    assert missing == []
    assert not list((APP / domain).glob("views_*.py")) and not (APP / domain / "views.py").exists()


def test_no_flat_view_modules_anywhere() -> None:
    assert sorted(str(p.relative_to(APP)) for p in APP.glob("*/views*.py")) == []


@pytest.mark.parametrize("path", VIEW_MODULES, ids=IDS)
def test_view_modules_hold_no_query_and_no_transaction(path: Path) -> None:
    offending = [
        f"{n}: {line.strip()}"
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if FORBIDDEN_IN_VIEWS.search(line.split("#")[0])
    ]
    assert offending == []


@pytest.mark.parametrize("path", VIEW_MODULES, ids=IDS)
def test_page_modules_declare_their_routes_and_never_import_the_blueprint(path: Path) -> None:
    source = path.read_text("utf-8")
    if path.name == "__init__.py":
        assert "Blueprint(" in source and "routes.register(bp)" in source
        return
    assert "Blueprint(" not in source and "@bp." not in source
    package = f"app.{path.parent.parent.name}.views"
    assert not re.search(rf"from {re.escape(package)} import (?!common\b)", source)
    assert not re.search(rf"from {re.escape(package)} import common\b.*\bbp\b", source)


@pytest.mark.parametrize("path", VIEW_MODULES, ids=IDS)
def test_every_view_is_at_most_25_lines(path: Path) -> None:
    long = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.FunctionDef) and any("route" in ast.unparse(d) for d in node.decorator_list):
            size = (node.end_lineno or node.lineno) - node.lineno + 1 - len(node.decorator_list)
            if size > 25:
                long.append(f"{node.name}: {size} lines")
    assert long == []


@pytest.mark.parametrize("domain", [d for d in sorted(SHAPE) if "policy" in SHAPE[d]])
def test_policy_modules_are_pure(domain: str) -> None:
    text = (APP / domain / "policy.py").read_text("utf-8")
    assert not re.search(r"db\.session|\bselect\(|import db\b", text)


# --- every action written has a Vietnamese label ------------------------------------------

ACTION_CODE = re.compile(r"^[a-z_]+\.[a-z_]+$")


def _written_actions(path: Path) -> set[str]:
    """Action codes a module writes: the literal (or module constant) given to
    audit.record(), and every `action="kind.verb"` a writer passes on or takes as default."""
    tree = ast.parse(path.read_text("utf-8"))
    constants = {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }

    def codes(node: ast.expr) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, ast.Name) and node.id in constants:
            return {constants[node.id]}
        if isinstance(node, ast.IfExp):
            return codes(node.body) | codes(node.orelse)
        return set()  # a parameter or `moved.action`: counted where its value is written

    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            audit_record = (
                isinstance(func, ast.Attribute) and func.attr == "record" and getattr(func.value, "id", "") == "audit"
            )
            if audit_record or (isinstance(func, ast.Name) and func.id == "record" and path.parent.name == "audit"):
                if len(node.args) > 1:
                    found |= codes(node.args[1])
            found |= {c for k in node.keywords if k.arg == "action" for c in codes(k.value)}
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            args = node.args.args + node.args.kwonlyargs
            defaults = [None] * (len(node.args.args) - len(node.args.defaults)) + list(node.args.defaults)
            defaults += node.args.kw_defaults
            found |= {c for a, d in zip(args, defaults, strict=True) if a.arg == "action" and d for c in codes(d)}
    return {c for c in found if ACTION_CODE.match(c)}


def _workflow_actions() -> set[str]:
    """Actions core.workflow.transition() names from the subject's kind and the move."""
    kinds = set()
    stack = list(WorkflowMixin.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        kinds.add(getattr(cls, "__audit_type__", None) or cls.__tablename__)
    return {f"{kind}.{action.past}" for kind in kinds for action in Action}


def test_every_action_the_app_writes_has_a_vietnamese_label(app) -> None:
    from app.audit.registry import registry

    written = {a for path in APP.rglob("*.py") for a in _written_actions(path)} | _workflow_actions()
    expected = {"record.created", "grade.changed", "grade.batch_changed", "auth.failed", "user.disabled",
                "school_year.created", "authz.denied", "record.approved", "correction.approved"}  # fmt: skip
    assert expected <= written  # the scan itself works
    labels = registry(app).labels
    missing = sorted(a for a in written if not labels.get(a) or labels[a] == a)
    assert missing == []
    assert all(labels[a][0].isupper() for a in written)
