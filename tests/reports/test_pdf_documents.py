"""The document dataclasses: print-ready text from snapshot payloads (NFC, decimal comma,
no "None"), and a báo liên lạc that has no slot for anything sensitive."""

from __future__ import annotations

import dataclasses
import unicodedata

from app.reports import documents
from tests.reports.conftest import deep, identity, month_payload, nfd, term_payload, two_years, year_payload


def _all_strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for f in dataclasses.fields(value) for s in _all_strings(getattr(value, f.name))]
    if isinstance(value, tuple | list):
        return [s for v in value for s in _all_strings(v)]
    return []


def test_a_term_report_card_prints_decimals_with_a_comma_and_keeps_the_values() -> None:
    card = documents.report_card(term_payload())
    toan = card.results.subjects[0]
    assert (toan.name, toan.hk1.tx, toan.hk1.gk, toan.hk1.ck, toan.hk1.result) == (
        "Toán", ("8,0", "7,0", "9,0", "6,5"), "7,5", "8,0", "7,7",
    )  # fmt: skip
    assert card.results.subjects[8].hk1.result == "Đ" and card.results.subjects[8].by_comment
    assert card.results.learning.final == "Khá" and card.results.learning.adjusted
    assert card.results.conduct_of("hk1") == "Tốt" and card.results.absences == (2, 1, 3)
    assert (card.full_name, card.class_name, card.year_name, card.birth_date) == (
        "Nguyễn Thị Ngọc Ánh", "7A1", "2024-2025", "17/05/2012",
    )  # fmt: skip


def test_every_string_is_nfc_even_from_a_decomposed_payload() -> None:
    payload = term_payload(nfd("Nguyễn Thị Ngọc Ánh"), comment=nfd("Cần cố gắng hơn ở phần hình học."))
    payload["subjects"][1]["name"] = nfd("Ngữ văn")
    card = documents.report_card(payload)
    strings = _all_strings(card)
    assert card.full_name == "Nguyễn Thị Ngọc Ánh" and card.full_name != nfd(card.full_name)
    assert all(s == unicodedata.normalize("NFC", s) for s in strings)
    book = documents.hoc_ba(deep(identity(nfd("Nguyễn Thị Ngọc Ánh"))), two_years())
    assert all(s == unicodedata.normalize("NFC", s) for s in _all_strings(book))


def test_missing_values_are_blank_or_a_dash_never_none() -> None:
    payload = term_payload()
    payload["subjects"][0]["terms"]["hk1"] = {"tx": [None, "8.0", None, None], "gk": None, "ck": None,
                                               "result": None, "comment": None}  # fmt: skip
    payload["learning"], payload["conduct"], payload["names"] = None, {"hk1": None}, {"gvcn": None, "hieu_truong": None}
    payload["school"], payload["remark"] = None, None
    card = documents.report_card(payload)
    assert card.results.subjects[0].hk1.tx == ("", "8,0", "", "")
    assert card.results.conduct_of("hk1") == "—" and card.results.learning is None
    assert not any("None" in s for s in _all_strings(card))
    yearly = documents.report_card(year_payload())
    assert not any("None" in s for s in _all_strings(yearly))


def test_a_month_never_carries_an_average_and_says_it_is_not_a_term_result() -> None:
    payload = month_payload()
    payload["subjects"][0]["terms"]["hk1"]["result"] = "7.1"  # even if a payload held one
    card = documents.report_card(payload)
    assert card.is_month and all(s.hk1.result == "" for s in card.results.subjects)
    assert card.month_sentence == "Kết quả đến hết tháng 10/2024 — chưa phải kết quả học kỳ"
    assert card.results.subjects[0].hk1.tx == ("8,0", "7,0", "", "")
    assert card.results.learning is None and card.results.conduct == ()


def test_a_report_card_has_no_slot_for_sensitive_identity_fields() -> None:
    payload = term_payload()
    payload["student"].update({"ethnicity": "Khmer", "address": "Ấp Mỹ Cẩm A", "moet_id": "8400000001"})
    card = documents.report_card(payload)
    fields = {f.name for f in dataclasses.fields(documents.ReportCard)}
    assert not fields & {"ethnicity", "address", "moet_id", "register_number", "student_code", "birthplace"}
    assert not any(x in s for s in _all_strings(card) for x in ("Khmer", "Mỹ Cẩm", "8400000001"))


def test_hoc_ba_reads_identity_and_years_oldest_first_with_the_r16_line() -> None:
    book = documents.hoc_ba(identity(), two_years())
    assert [y.year_name for y in book.years] == ["2023-2024", "2024-2025"]
    assert book.identity.guardians[0].full_name == "Thạch Văn Sơn" and book.identity.ethnicity == "Khmer"
    assert book.years[0].results.corrections == "Trong bảng này không có chỗ nào sửa chữa."
    assert book.years[1].results.corrections == "Trong bảng này có sửa chữa ở 2 chỗ, thuộc các môn học Ngữ văn, Toán."
    assert book.years[1].results.subjects[7].retest == "6,0" and book.level_title == "TRUNG HỌC CƠ SỞ"
    assert str(book.years[0].approved_on) == "2025-01-10"


def test_class_book_keeps_class_order_and_every_subject() -> None:
    names = ["Trần Văn Bình", "Nguyễn Thị Ngọc Ánh"]
    book = documents.class_book([term_payload(n, n=i) for i, n in enumerate(names)])
    assert [(s.number, s.full_name) for s in book.students] == [(1, "Trần Văn Bình"), (2, "Nguyễn Thị Ngọc Ánh")]
    assert [s[1] for s in book.subjects][:3] == ["Toán", "Ngữ văn", "Tiếng Anh"] and len(book.subjects) == 13
    assert book.subjects[0][3] == 4 and book.subjects[8][3] == 2  # ĐĐGtx counts
