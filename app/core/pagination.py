"""Page numbers of long lists ("Trang x/y"): the number read from the query string, the
page count, and the clamp of a number past the end (the last page, with a sentence)."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import DomainError

PAGE_SIZE = 50


def page_number(raw: str | None) -> int:
    """The `page` argument: absent → 1; not a whole number ≥ 1 → 422 in Vietnamese."""
    if raw is None or raw.strip() == "":
        return 1
    text = raw.strip()
    if not text.isdigit() or int(text) < 1 or len(text) > 6:
        raise DomainError(f"Số trang “{text[:12]}” không hợp lệ: trang là một số nguyên từ 1 trở lên.")
    return int(text)


@dataclass(frozen=True)
class Window:
    """Which page is shown of `total` rows: its number, the page count, the SQL offset, and
    the page asked for when it was past the end (so the page can say it showed the last)."""

    page: int
    pages: int
    total: int
    per_page: int
    asked: int | None = None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def clamped_message(self) -> str:
        if self.asked is None:
            return ""
        return f"Không có trang {self.asked}: danh sách chỉ có {self.pages} trang, đang hiển thị trang {self.page}."


def window(total: int, asked: int, per_page: int = PAGE_SIZE) -> Window:
    pages = max(1, -(-total // per_page))
    if asked > pages:
        return Window(pages, pages, total, per_page, asked)
    return Window(asked, pages, total, per_page)
