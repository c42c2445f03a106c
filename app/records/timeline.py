"""How the audit screens tell a record's events: one sentence per workflow move, naming the
step that decided and where the record goes next (registered with audit.registry)."""

from __future__ import annotations

from typing import Any

from app.records.models import StepKind


def _step(code: Any) -> str:
    return StepKind(code).label if code in StepKind._value2member_map_ else ""


def _pair(changes: dict[str, Any], key: str) -> tuple[Any, Any]:
    value = changes.get(key)
    return (value[0], value[1]) if isinstance(value, list) and len(value) == 2 else (None, value)


def describe(event: Any) -> str | None:
    changes = event.changes or {}
    _, awaiting = _pair(changes, "awaiting")
    version = changes.get("version_no")
    if event.action == "record.submitted":
        text = f"Nộp duyệt phiên bản {version}" if version else "Nộp duyệt"
        return f"{text} — chờ {_step(awaiting)}" if _step(awaiting) else text
    if event.action == "record.approved":
        who = _step(changes.get("step_kind")) or "Người duyệt"
        _, state = _pair(changes, "state")
        if state == "approved":
            return f"{who} đã duyệt — hồ sơ hoàn tất và được khoá"
        return f"{who} đã duyệt — chuyển {_step(awaiting)}" if _step(awaiting) else f"{who} đã duyệt"
    if event.action == "record.returned":
        who = _step(changes.get("step_kind")) or "Người duyệt"
        return f"{who} trả lại — người nộp sửa rồi nộp lại"
    if event.action == "record.withdrawn":
        return "Người nộp rút hồ sơ về bản nháp"
    return None
