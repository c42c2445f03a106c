"""From a real close: HK I of the gb school's 10A1 entered, approved and closed through the
services (tests/results/conftest.py); every student's báo liên lạc drawn from their own
stored snapshot holds their name and averages and no other student's name."""

from __future__ import annotations

import json

from app.reports import documents
from app.reports.pdf import render
from tests.gradebook.conftest import gb  # noqa: F401
from tests.reports.conftest import pdf_fonts, pdf_text
from tests.results.conftest import snapshots_of, term_ready  # noqa: F401


def test_every_report_card_of_a_closed_class_holds_only_its_own_student(app, term_ready, stamp, tmp_path) -> None:  # noqa: F811
    term_ready.close_hk1()
    snaps = snapshots_of(app, term_ready.c10a1.id, "hk1")
    payloads = [json.loads(s.payload) for s in snaps]
    names = [p["student"]["full_name"] for p in payloads]
    assert len(names) >= 3 and len(set(names)) == len(names)
    for p in payloads:
        text = pdf_text(render(documents.report_card(p), stamp), tmp_path)
        mine = p["student"]["full_name"]
        assert mine in text
        assert [n for n in names if n != mine and n in text] == []
        for s in p["subjects"]:
            assert s["terms"]["hk1"]["result"].replace(".", ",") in text
        assert "Trang 1/1" in text and "None" not in text
    book = render(documents.class_book(payloads), stamp)
    text = pdf_text(book, tmp_path)
    assert all(n in text for n in names)
    assert all("+BeVietnamPro" in row[0] for row in pdf_fonts(book, tmp_path))
