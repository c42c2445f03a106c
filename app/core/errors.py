"""Domain errors, and the error pages and fragments for 400–500, in Vietnamese.

Services refuse with a `DomainError` (a sentence the user can act on and its HTTP status:
422 invalid, 409 conflict, 413/415 for files). The unit of work (core.database) rolls
back; a view may show its form again with the sentence, otherwise the handler registered
here answers the status with it. A 500 rolls the session back too.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g, make_response, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

from app.core.htmx import is_htmx

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A refusal the user can act on: a Vietnamese sentence and the status it answers."""

    status: int = 422
    default_message = "Dữ liệu nhập chưa hợp lệ."

    def __init__(self, message: str | None = None, status: int | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)
        if status is not None:
            self.status = status


class ConflictError(DomainError):
    """409: the object changed since the user saw it, or its state forbids the action."""

    status = 409
    default_message = "Dữ liệu đã thay đổi hoặc đã bị khoá. Tải lại để xem giá trị hiện tại."


MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Bạn cần đăng nhập để tiếp tục.",
    403: "Bạn không có quyền thực hiện thao tác này.",
    404: "Không tìm thấy trang hoặc dữ liệu bạn yêu cầu.",
    405: "Thao tác không được hỗ trợ.",
    409: "Dữ liệu đã thay đổi hoặc đã bị khoá. Tải lại để xem giá trị hiện tại.",
    413: "Tệp hoặc dữ liệu gửi lên quá lớn.",
    415: "Loại tệp không được chấp nhận.",
    422: "Dữ liệu nhập chưa hợp lệ. Kiểm tra lại các ô được đánh dấu.",
    429: "Bạn thao tác quá nhanh. Vui lòng đợi một chút rồi thử lại.",
    500: "Đã có lỗi hệ thống. Thao tác chưa được lưu; vui lòng thử lại.",
}
CSRF_MESSAGE = "Biểu mẫu đã hết hạn hoặc thiếu mã bảo vệ (CSRF). Tải lại trang rồi thử lại."


def render_error(status: int, message: str | None = None) -> Response:
    text = message or MESSAGES.get(status, MESSAGES[500])
    template = "errors/_error.html" if is_htmx() else "errors/page.html"
    return make_response(
        render_template(template, status=status, message=text, request_id=g.get("request_id", "")),
        status,
    )


def _description(error: HTTPException) -> str | None:
    """Our own abort(…, description) messages are shown; werkzeug's English ones are not."""
    desc = error.description
    if desc and desc != type(error).description:
        return str(desc)
    return None


def _rollback() -> None:
    """The request's transaction is abandoned, so the error page can still read the user."""
    current_app.extensions["sqlalchemy"].session.rollback()


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> Response:
        log.info("CSRF rejected: %s", error.description)
        return render_error(400, CSRF_MESSAGE)

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> Response:
        _rollback()
        return render_error(error.status, error.message)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response | WerkzeugResponse:
        status = error.code or 500
        if status in (301, 302, 303, 307, 308):
            return error.get_response()
        message = _description(error)
        if status == 413 and message is None:
            # Flask refused a body over MAX_CONTENT_LENGTH before reading it: say the limit
            limit = current_app.config["SODIENTU_UPLOAD_MAX_MB"]
            message = f"Tệp gửi lên quá lớn. Mỗi lần gửi tối đa {limit} MB; hãy nén hoặc chia nhỏ tệp rồi thử lại."
        response = render_error(status, message)
        if status == 429 and error.get_response().headers.get("Retry-After"):
            response.headers["Retry-After"] = error.get_response().headers["Retry-After"]
        return response

    @app.errorhandler(Exception)
    def server_error(error: Exception) -> Response:
        _rollback()
        log.exception("unhandled error (request %s)", g.get("request_id", "-"))
        return render_error(500)
