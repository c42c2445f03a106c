"""Excel imports: staff list, class rosters, teaching assignments.

Flow (screens and `flask import` alike): read and check the file → preview every row
with its errors → apply all rows in the caller's transaction, or none. `run()`
re-validates from the bytes, so a stale preview can never be applied.
"""

from __future__ import annotations

import hashlib
from types import ModuleType
from typing import Any

from app.school.imports import assignments, roster, staff
from app.school.imports.xlsx import (
    FileRejected,
    ImportOptions,
    ImportResult,
    Preview,
    read_rows,
)

KINDS: dict[str, ModuleType] = {m.KIND: m for m in (roster, staff, assignments)}

__all__ = ["KINDS", "FileRejected", "ImportOptions", "ImportRejected", "ImportResult", "Preview", "preview", "run"]


class ImportRejected(Exception):
    """The file has errors: nothing was written. Carries the preview listing them."""

    def __init__(self, preview: Preview) -> None:
        super().__init__("; ".join(preview.messages[:5]))
        self.preview = preview


def kind_module(kind: str) -> ModuleType:
    return KINDS[kind]


def preview(kind: str, data: bytes, options: ImportOptions) -> Preview:
    """Parse and validate; raises FileRejected when the file is not a readable .xlsx."""
    return KINDS[kind].validate(read_rows(data), options)


def run(kind: str, actor: Any, data: bytes, options: ImportOptions, *, filename: str) -> ImportResult:
    """Validate again, then apply every row (caller commits) or raise ImportRejected."""
    checked = preview(kind, data, options)
    if not checked.ok:
        raise ImportRejected(checked)
    sha = hashlib.sha256(data).hexdigest()
    return KINDS[kind].apply(actor, checked, options, comment=f"Tệp {filename}", file_sha256=sha)
