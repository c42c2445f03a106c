"""The merged class PDF: the documents' pages in order, each page as drawn (text, fonts,
the verification QR form), readable by poppler and pypdf; a file that is not reportlab's
plain output (a signed PDF, an incremental update) goes through pypdf instead."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter

from app.reports import documents
from app.reports.pdf import concat, render
from app.reports.services import batches
from tests.reports.conftest import identity, page_count, pdf_fonts, pdf_text, render_png, term_payload, two_years


def _stamped(stamp, code: str):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(stamp, code=code, verify_url=f"https://so.example.vn/verify/{code}")


def test_merging_keeps_every_page_in_order_with_its_own_text(stamp, tmp_path) -> None:
    names = ["Nguyễn Thị Ngọc Ánh", "Trần Văn Bình", "Lê Thị Ý Nhi"]
    cards = [
        render(documents.report_card(term_payload(n)), _stamped(stamp, f"AAAA-BBB{i + 2}")) for i, n in enumerate(names)
    ]
    book = render(documents.hoc_ba(identity("Phạm Quốc Đạt"), two_years("Phạm Quốc Đạt")), stamp)
    merged = concat.merge([cards[0], book, cards[1], cards[2]])
    book_pages = page_count(book, tmp_path)
    assert page_count(merged, tmp_path) == 3 + book_pages == len(PdfReader(io.BytesIO(merged), strict=True).pages)
    first, last = pdf_text(merged, tmp_path, 1), pdf_text(merged, tmp_path, 3 + book_pages)
    assert "Nguyễn Thị Ngọc Ánh" in first and "Mã xác thực: AAAA-BBB2" in first and "Lê Thị Ý Nhi" not in first
    assert "Lê Thị Ý Nhi" in last and "Mã xác thực: AAAA-BBB4" in last
    assert "Phạm Quốc Đạt" in pdf_text(merged, tmp_path, 2)
    assert "Trần Văn Bình" in pdf_text(merged, tmp_path, 2 + book_pages)
    fonts = pdf_fonts(merged, tmp_path)
    assert fonts and all(f[0].startswith("AAAAAA+BeVietnamPro") and "yes yes yes" in " ".join(f) for f in fonts)
    assert len(render_png(merged, tmp_path)) == 3 + book_pages
    assert merged == concat.merge([cards[0], book, cards[1], cards[2]])  # the same bytes for the same files


def test_a_file_that_is_not_plain_reportlab_output_is_merged_through_pypdf(stamp, tmp_path) -> None:
    card = render(documents.report_card(term_payload()), stamp)
    rewritten = PdfWriter(clone_from=io.BytesIO(card))
    rewritten.add_metadata({"/Title": "Báo liên lạc"})
    out = io.BytesIO()
    rewritten.write(out)
    updated = card + b"\n"  # an incremental section: the trailer names the previous xref
    updated += b"xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 20 /Root 16 0 R /Prev 1 >>\nstartxref\n0\n%%EOF\n"
    for odd in (updated, b"not a pdf"):
        with pytest.raises(concat.NotPlain):
            concat.merge([card, odd])
    merged = batches.merged_pdf([card, out.getvalue()])
    assert page_count(merged, tmp_path) == 2
    assert pdf_text(merged, tmp_path, 2).count("Nguyễn Thị Ngọc Ánh") >= 1
