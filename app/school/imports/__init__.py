"""Excel imports: staff list, class rosters, teaching assignments.

Flow (screens and `flask import` alike): receive and check the file → preview every row
with its errors → apply all rows in the caller's transaction, or none. `run()`
re-validates from the bytes, so a stale preview can never be applied. Refusals are
DomainErrors: `core.xlsx.SpreadsheetRejected` (not a readable .xlsx: 413/415/422),
`ImportRejected` (rows with errors: 422, with the preview listing them) and
`ImportConflict` (the data changed while applying: 409, nothing kept).
"""

from __future__ import annotations

import hashlib
from types import ModuleType

from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import FileStorage

from app.accounts.models import User
from app.core.errors import ConflictError, DomainError
from app.school.imports import assignments, roster, staff, store
from app.school.imports.xlsx import (
    MAX_BYTES,
    ImportOptions,
    ImportResult,
    Preview,
    check_xlsx,
    limit,
    read_rows,
    refuse_sample_rows,
)

KINDS: dict[str, ModuleType] = {m.KIND: m for m in (roster, staff, assignments)}
#: the Vietnamese label of every action the imports write (registered with audit)
ACTION_LABELS = {
    roster.ACTION: "Nhập danh sách học sinh từ Excel",
    staff.ACTION: "Nhập danh sách cán bộ từ Excel",
    assignments.ACTION: "Nhập phân công giảng dạy từ Excel",
}
APPLY_FAILED = (
    "Không nhập được: dữ liệu trong hệ thống vừa thay đổi trong lúc nhập "
    "(ví dụ một mã học sinh hoặc tên đăng nhập vừa được tạo). Không có dòng nào "
    "được lưu. Hãy mở lại trang xem trước để kiểm tra."
)

__all__ = [
    "ACTION_LABELS",
    "KINDS",
    "ImportConflict",
    "ImportOptions",
    "ImportRejected",
    "ImportResult",
    "Preview",
    "preview",
    "receive",
    "run",
]


class ImportRejected(DomainError):
    """The file has errors: nothing was written. Carries the preview listing them."""

    status = 422

    def __init__(self, preview: Preview) -> None:
        super().__init__("; ".join(preview.messages[:5]))
        self.preview = preview


class ImportConflict(ConflictError):
    """The rows were valid, but the database changed while they were written: nothing kept."""

    default_message = APPLY_FAILED


def kind_module(kind: str) -> ModuleType:
    return KINDS[kind]


def receive(user: User, kind: str, upload: FileStorage, class_id: int | None) -> store.StoredUpload:
    """Read an upload (never past the limit), check it is a readable .xlsx, keep it for the
    preview; raises SpreadsheetRejected (nothing kept) otherwise."""
    data = upload.stream.read(limit("MAX_BYTES", MAX_BYTES) + 1)
    check_xlsx(data)
    return store.save(user.id, kind, data, upload.filename or "", class_id)


def preview(kind: str, data: bytes, options: ImportOptions) -> Preview:
    """Parse and validate; raises SpreadsheetRejected when the file is not a readable .xlsx."""
    checked: Preview = KINDS[kind].validate(read_rows(data), options)
    refuse_sample_rows(checked)
    return checked


def run(kind: str, actor: User | None, data: bytes, options: ImportOptions, *, filename: str) -> ImportResult:
    """Validate again, then apply every row (the caller commits); ImportRejected when a row
    has errors, ImportConflict when the database refuses what was valid a moment ago."""
    checked = preview(kind, data, options)
    if not checked.ok:
        raise ImportRejected(checked)
    sha = hashlib.sha256(data).hexdigest()
    try:
        result: ImportResult = KINDS[kind].apply(actor, checked, options, comment=f"Tệp {filename}", file_sha256=sha)
    except (SQLAlchemyError, DomainError) as exc:  # a code or username taken meanwhile
        raise ImportConflict() from exc
    return result
