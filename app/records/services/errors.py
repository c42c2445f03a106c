"""The refusals of the records services: Vietnamese sentences with their HTTP status."""

from __future__ import annotations

from app.core.errors import DomainError

STALE = (
    "Hồ sơ vừa được người khác xử lý hoặc thay đổi (hoặc bạn đã bấm hai lần). Tải lại trang để xem trạng thái hiện tại."
)
LOCKED = "Hồ sơ đã nộp hoặc đã duyệt nên không thể sửa. Hồ sơ bị trả lại mới sửa được."


class RecordError(DomainError):
    """A user-facing problem with a record (422), in Vietnamese."""


class RecordTypeError(DomainError):
    """A user-facing problem with a record type (422), in Vietnamese."""


class MissingFile(DomainError):
    """A record's file is named in the database but missing from the store (404)."""

    status = 404
    default_message = "Không tìm thấy tệp này trên máy chủ. Báo quản trị hệ thống để khôi phục từ bản sao lưu."
