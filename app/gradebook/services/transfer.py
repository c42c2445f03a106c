"""Excel in and out of a grid: the audited export (R23), the checked upload and the import.

- `record_export`: one `gradebook.exported` event. The export reads at length (the grid,
  the workbook) before this write, so its view calls it in `unit_of_work(fresh=True)`: the
  read transaction ends first, and the write takes SQLite's lock before its first
  statement — never an upgrade of a stale read snapshot, which SQLite refuses at once
  ("database is locked") while other teachers save cells.
- `check_import`: the grid must be writable (GridLocked otherwise); the file is read into a
  plan and one `gradebook.import_checked` event records what was checked (not saved).
- `confirm_import`: the signed plan, scoped again, saved as one all-or-nothing batch
  (`grade.imported`); a cell changed since the preview refuses the whole import (409).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from app.audit import services as audit
from app.core.errors import ConflictError
from app.gradebook import imports, queries
from app.gradebook.grid import load_grid
from app.gradebook.imports import ImportFileError, Plan
from app.gradebook.queries import GridHandle
from app.gradebook.services.entry import BatchConflict, Change, check_can_write, save_paste

if TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage

    from app.accounts.models import User


class ImportStale(ConflictError):
    """409: cells changed between the preview and the confirmation."""


def record_export(actor: User, handle: GridHandle, file_name: str, rows: int) -> None:
    audit.record(actor, "gradebook.exported", handle.gradebook, changes={"rows": rows, "file": file_name})


def check_import(actor: User, handle: GridHandle, upload: FileStorage | None) -> Plan:
    """Read the uploaded file and plan what would change; only the check is recorded."""
    check_can_write(actor, handle)
    if upload is None or not upload.filename:
        raise ImportFileError("Chọn tệp Excel (.xlsx) để nhập.")
    data = upload.stream.read(imports.MAX_BYTES + 1)
    plan = imports.read_sheet(data, load_grid(handle))
    audit.record(
        actor,
        "gradebook.import_checked",
        handle.gradebook,
        changes={"rows": plan.rows_read, "cells": len(plan.cells), "errors": len(plan.errors)},
        file_sha256=hashlib.sha256(data).hexdigest(),
    )
    return plan


def confirm_import(actor: User, handle: GridHandle, token: str) -> list[Change]:
    """Save a previewed plan: all of it, or nothing (policy and lock: save_batch)."""
    items = imports.load_plan(token, handle.id, actor.id)
    scoped = queries.scoped_writes(handle, items)  # a signed plan cannot name a foreign id, but never trust
    try:
        return save_paste(
            actor, handle, scoped, source="import", action="grade.imported", comment=f"Nhập từ Excel: {len(scoped)} ô."
        )
    except BatchConflict as exc:
        raise ImportStale(
            f"{len(exc.conflicts)} ô đã được sửa sau khi xem trước; chưa ô nào được nhập. "
            "Hãy tải tệp lên lại để xem giá trị mới."
        ) from None
