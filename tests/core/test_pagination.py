"""Pages of long lists: a count stopped at its reach reads "hơn …" and keeps a next page."""

from __future__ import annotations

import pytest

from app.core.pagination import Counted, count_reach, grouped, window


@pytest.mark.parametrize(("number", "text"), [(0, "0"), (999, "999"), (1000, "1.000"), (28462, "28.462")])
def test_grouped_writes_the_vietnamese_thousands_separator(number: int, text: str) -> None:
    assert grouped(number) == text


def test_a_count_stopped_at_its_reach_says_more_than() -> None:
    assert Counted(1000, more=True).label == "hơn 1.000" and Counted(53).label == "53"
    assert not Counted(0) and Counted(1)


@pytest.mark.parametrize(
    ("asked", "per_page", "cap", "reach"),
    [(1, 50, 1000, 1000), (20, 50, 1000, 1000), (21, 50, 1000, 1050), (1, 50, 1010, 1050), (3, 2, 4, 6)],
)
def test_the_reach_covers_the_cap_and_the_page_asked_in_whole_pages(
    asked: int, per_page: int, cap: int, reach: int
) -> None:
    assert count_reach(asked, per_page, cap) == reach


def test_a_window_of_a_stopped_count_has_more_pages_and_a_next() -> None:
    w = window(Counted(1000, more=True), 1)
    assert (w.page, w.pages, w.pages_label, w.total_label, w.has_next) == (1, 20, "hơn 20", "hơn 1.000", True)
    assert w.asked is None and w.clamped_message == ""
    exact = window(53, 2)
    assert (exact.page, exact.pages_label, exact.total_label, exact.has_next) == (2, "2", "53", False)
    past = window(Counted(53), 9)
    assert past.page == 2 and past.asked == 9 and not past.more
