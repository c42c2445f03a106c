"""Page numbers of long lists ("Trang x/y"): the number read from the query string, the
page count, and the clamp of a number past the end (the last page, with a sentence). A list
too long to count on every request is counted up to a reach ("hơn 1.000", "Trang 1/hơn 20")."""

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


def grouped(number: int) -> str:
    """28000 → "28.000" (the Vietnamese thousands separator)."""
    return f"{number:,}".replace(",", ".")


@dataclass(frozen=True)
class Counted:
    """A count, exact or stopped at `total` with `more` rows beyond it."""

    total: int
    more: bool = False

    def __bool__(self) -> bool:
        return self.total > 0

    @property
    def label(self) -> str:
        """ "53", "1.000", or "hơn 1.000" when the count stopped there."""
        return f"hơn {grouped(self.total)}" if self.more else grouped(self.total)


@dataclass(frozen=True)
class Window:
    """Which page is shown of `total` rows: its number, the page count, the SQL offset, and
    the page asked for when it was past the end (so the page can say it showed the last).
    With `more`, the count stopped at `total` (a whole number of pages): there are more
    than `pages` pages, and the last one shown has a next."""

    page: int
    pages: int
    total: int
    per_page: int
    asked: int | None = None
    more: bool = False

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def has_next(self) -> bool:
        return self.more or self.page < self.pages

    @property
    def total_label(self) -> str:
        return Counted(self.total, self.more).label

    @property
    def pages_label(self) -> str:
        return Counted(self.pages, self.more).label

    @property
    def clamped_message(self) -> str:
        if self.asked is None:
            return ""
        return f"Không có trang {self.asked}: danh sách chỉ có {self.pages} trang, đang hiển thị trang {self.page}."


def count_reach(asked: int, per_page: int, cap: int) -> int:
    """How far to count a long list to show page `asked`: `cap` rows, or up to that page,
    in whole pages (so "more than the rows counted" is "more than that many pages")."""
    return -(-max(cap, asked * per_page) // per_page) * per_page


def window(total: int | Counted, asked: int, per_page: int = PAGE_SIZE) -> Window:
    """The page `asked` of `total` rows; of a count stopped at its reach (`count_reach`,
    which covers the page asked), that page, with more beyond."""
    counted = total if isinstance(total, Counted) else Counted(total)
    pages = max(1, -(-counted.total // per_page))
    if counted.more:
        return Window(min(asked, pages), pages, counted.total, per_page, more=True)
    if asked > pages:
        return Window(pages, pages, counted.total, per_page, asked)
    return Window(asked, pages, counted.total, per_page)
