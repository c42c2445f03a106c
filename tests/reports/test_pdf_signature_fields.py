"""The documents that are signed (học bạ, sổ theo dõi) carry their three signature fields
from issuing — empty, named for each step, exactly at the boxes under the captions — so
signing fills them and neither walks the page tree nor rewrites a page; a báo liên lạc
carries none. Page dictionaries hold only what readers use (no /ProcSet, /Trans,
/Rotate 0). The merged print file leaves the fields out."""

from __future__ import annotations

import io
import re

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pypdf import PdfReader

from app.reports import documents
from app.reports.pdf import SIGNATURE_FIELDS, box_for, concat, render, render_with_boxes
from tests.reports.conftest import identity, page_count, pdf_text, term_payload, two_years


def _hoc_ba(stamp):  # type: ignore[no-untyped-def]
    return render_with_boxes(documents.hoc_ba(identity(), two_years()), stamp)


def _class_book(stamp):  # type: ignore[no-untyped-def]
    names = ["Nguyễn Thị Ngọc Ánh", "Trần Văn Bình"]
    return render_with_boxes(documents.class_book([term_payload(n, n=i) for i, n in enumerate(names)]), stamp)


@pytest.mark.parametrize("make", [_hoc_ba, _class_book], ids=["hoc_ba", "class_book"])
def test_a_signed_kind_carries_three_empty_fields_exactly_at_its_boxes(stamp, make) -> None:  # type: ignore[no-untyped-def]
    data, boxes = make(stamp)
    found = {name: ref.get_object() for name, _, ref in fields.enumerate_sig_fields(PdfFileReader(io.BytesIO(data)))}
    assert set(found) == set(SIGNATURE_FIELDS.values())
    reader = PdfReader(io.BytesIO(data), strict=True)
    assert reader.trailer["/Root"]["/AcroForm"]["/SigFlags"] == 3
    for step, name in SIGNATURE_FIELDS.items():
        page, rect = box_for(boxes, step) or (0, ())
        field = found[name]
        assert "/V" not in field and field["/FT"] == "/Sig" and field["/Subtype"] == "/Widget"
        assert [float(v) for v in field["/Rect"]] == pytest.approx(rect, abs=0.001)
        on = [n for n, p in enumerate(reader.pages, 1) if name in [a.get_object()["/T"] for a in p.get("/Annots", [])]]
        assert on == [page]  # the widget is on the page of the box, and only there


def test_a_bao_lien_lac_has_no_form_and_no_annotation(stamp) -> None:  # type: ignore[no-untyped-def]
    data, boxes = render_with_boxes(documents.report_card(term_payload()), stamp)
    assert boxes  # it has signature blocks, but it is not signed
    reader = PdfReader(io.BytesIO(data), strict=True)
    assert "/AcroForm" not in reader.trailer["/Root"]
    assert all("/Annots" not in p for p in reader.pages)


def test_page_dictionaries_hold_no_default_or_obsolete_entries(stamp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data, _ = _hoc_ba(stamp)
    pages = [m.group(1) for m in re.finditer(rb"\d+ 0 obj\s*(<<.*?/Type /Page\b.*?>>)\s*endobj", data, re.S)]
    assert len(pages) == page_count(data, tmp_path) >= 2
    assert not any(key in p for p in pages for key in (b"/ProcSet", b"/Trans", b"/Rotate"))
    assert all(b"/MediaBox" in p and b"/Resources" in p and b"/Contents" in p for p in pages)
    assert "Học bạ" in PdfReader(io.BytesIO(data), strict=True).metadata.title
    assert "HỌC BẠ" in pdf_text(data, tmp_path, 1)


def test_the_merged_print_file_leaves_the_fields_out(stamp, tmp_path) -> None:  # type: ignore[no-untyped-def]
    book, _ = _hoc_ba(stamp)
    card = render(documents.report_card(term_payload()), stamp)
    merged = concat.merge([book, card, book])
    reader = PdfReader(io.BytesIO(merged), strict=True)
    assert "/AcroForm" not in reader.trailer["/Root"]
    assert all("/Annots" not in p for p in reader.pages)
    assert b"/FT /Sig" not in merged
    assert len(reader.pages) == 2 * page_count(book, tmp_path) + 1


def test_a_form_with_other_than_empty_signature_fields_is_not_merged_as_plain(stamp) -> None:  # type: ignore[no-untyped-def]
    book, _ = _hoc_ba(stamp)
    text_field = book.replace(b"/FT /Sig", b"/FT /Tx ", 1)  # same length: the xref stays right
    with pytest.raises(concat.NotPlain, match="signature fields"):
        concat.merge([text_field])
