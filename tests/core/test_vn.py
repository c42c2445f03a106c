"""Vietnamese collation, names, dates and numbers (R25, R27, DOMAIN.md §2)."""

from __future__ import annotations

import random
import unicodedata
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core import vn

ORDERED = [
    ["An", "Ân", "Bình", "Dũng", "Đức"],
    ["Hà", "Hả", "Hã", "Há", "Hạ"],
    ["Anh", "Ánh"],
    ["Ca", "Cà", "Cả", "Cã", "Cá", "Cạ", "Cam"],
    ["Oanh", "Ôn", "Ơn", "Phúc", "Uyên", "Ửng", "Vy", "Xuân", "Yến"],
    ["Ê", "Ế", "Giang", "Hùng"],
]


@pytest.mark.parametrize("expected", ORDERED)
def test_vietnamese_order(expected: list[str]) -> None:
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=vn.collation_key) == expected


@pytest.mark.parametrize("expected", ORDERED)
def test_decomposed_input_sorts_like_composed(expected: list[str]) -> None:
    nfd = [unicodedata.normalize("NFD", w) for w in reversed(expected)]
    result = sorted(nfd, key=vn.collation_key)
    assert [unicodedata.normalize("NFC", w) for w in result] == expected


def test_python_default_sort_gets_it_wrong_which_is_why_we_need_a_key() -> None:
    assert sorted(["Đức", "Dũng", "Ân", "An", "Bình"]) != ORDERED[0]


def test_case_does_not_outweigh_letters() -> None:
    assert sorted(["bình", "An", "ân"], key=vn.collation_key) == ["An", "ân", "bình"]


def test_class_list_orders_by_ten_then_dem_then_ho_then_birth_date() -> None:
    people = [
        ("Trần", "Văn", "An", date(2012, 1, 1)),
        ("Nguyễn", "Văn", "An", date(2012, 1, 1)),
        ("Lê", "Thị", "An", date(2012, 1, 1)),
        ("Lê", "Thị", "An", date(2011, 6, 1)),
        ("Phạm", "", "Ân", date(2012, 1, 1)),
        ("Đỗ", "Minh", "Bình", date(2012, 1, 1)),
    ]
    ordered = sorted(people, key=lambda p: vn.person_sort_key(*p))
    assert ordered == [people[3], people[2], people[1], people[0], people[4], people[5]]


@given(st.lists(st.text(alphabet="aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậ ", max_size=8), min_size=2, max_size=6))
def test_key_is_a_total_order_consistent_with_nfc(words: list[str]) -> None:
    keys = [vn.collation_key(w) for w in words]
    nfd_keys = [vn.collation_key(unicodedata.normalize("NFD", w)) for w in words]
    assert keys == nfd_keys
    assert sorted(keys) == [vn.collation_key(w) for w in sorted(words, key=vn.collation_key)]


@pytest.mark.parametrize(
    ("full", "parts"),
    [
        ("Nguyễn Thị Ngọc Ánh", ("Nguyễn", "Thị Ngọc", "Ánh")),
        ("Lê Minh", ("Lê", "", "Minh")),
        ("Mai", ("", "", "Mai")),
        ("  Trần   Văn  Bình ", ("Trần", "Văn", "Bình")),
    ],
)
def test_split_full_name(full: str, parts: tuple[str, str, str]) -> None:
    assert vn.split_full_name(full) == parts
    assert vn.join_name(*parts) == " ".join(full.split())


def test_dates_and_numbers_in_vietnamese_formats() -> None:
    assert vn.format_date(date(2026, 1, 5)) == "05/01/2026"
    assert vn.formal_date(date(2026, 1, 5)) == "ngày 05 tháng 01 năm 2026"
    assert vn.parse_date("5/1/2026") == date(2026, 1, 5)
    with pytest.raises(ValueError):
        vn.parse_date("31/02/2012")
    assert vn.format_decimal(Decimal("8.25").quantize(Decimal("0.1"))) in ("8,2", "8,3")
    assert vn.format_decimal(Decimal("10")) == "10,0"


def test_utc_is_shown_in_ho_chi_minh_time() -> None:
    from datetime import UTC, datetime

    assert vn.format_datetime(datetime(2025, 1, 5, 17, 30, tzinfo=UTC)) == "06/01/2025 00:30"


def test_national_id_is_masked() -> None:
    assert vn.mask_national_id("079212345634") == "0792******34"
    assert vn.mask_national_id(None) == ""
