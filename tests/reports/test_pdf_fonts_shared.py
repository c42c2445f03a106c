"""The shared first font subset (fonts.SharedSubsetFont): every document embeds the same
subset file for the Vietnamese letters, whoever it is for, so it is made once per process
and a merged class PDF holds it once; a character outside it still reads back."""

from __future__ import annotations

import io

from pypdf import PdfReader

from app.reports import documents
from app.reports.pdf import concat, fonts, render
from tests.reports.conftest import identity, pdf_fonts, pdf_text, term_payload, two_years


def _font_files(pdf: bytes) -> dict[str, bytes]:
    """{BaseFont: the embedded font file's decoded bytes} of every font the pages use."""
    files = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            files[font["/BaseFont"]] = font["/FontDescriptor"]["/FontFile2"].get_data()
    return files


def test_the_shared_set_is_every_vietnamese_letter_in_a_fixed_order() -> None:
    letters = set(fonts.SHARED_CHARACTERS)
    assert len(fonts.SHARED_CHARACTERS) == len(letters) == 147  # 134 letters + 13 punctuation marks
    assert set("ăâđêôơưĂÂĐÊÔƠƯ") <= letters and set("ỳýỷỹỵỲÝỶỸỴ") <= letters and set("ẫẬợỮ") <= letters
    assert all(ord(c) > 127 for c in letters)  # ASCII is already in reportlab's first subset
    assert list(fonts.SHARED_CHARACTERS[:134]) == sorted(fonts.SHARED_CHARACTERS[:134])


def test_two_students_documents_embed_the_same_first_subset(stamp, tmp_path) -> None:
    first = render(documents.report_card(term_payload("Nguyễn Thị Ngọc Ánh")), stamp)
    second = render(documents.report_card(term_payload("Đặng Quỳnh Ỷ Vũ")), stamp)
    a, b = _font_files(first), _font_files(second)
    shared = [name for name in a if name.startswith("/AAAAAA+")]
    assert shared and all(a[name] == b[name] for name in shared)
    assert "Nguyễn Thị Ngọc Ánh" in pdf_text(first, tmp_path) and "Đặng Quỳnh Ỷ Vũ" in pdf_text(second, tmp_path)


def test_a_character_outside_the_shared_set_goes_to_a_subset_of_its_own(stamp, tmp_path) -> None:
    name = "Nguyễn Thị Nuñez"  # ñ: in the font, not Vietnamese
    pdf = render(documents.report_card(term_payload(name)), stamp)
    assert name in pdf_text(pdf, tmp_path)
    names = [row[0] for row in pdf_fonts(pdf, tmp_path)]
    assert "AAAAAB+BeVietnamPro-Bold" in names or "AAAAAB+BeVietnamPro" in names
    plain = render(documents.report_card(term_payload("Nguyễn Thị Ngọc Ánh")), stamp)
    mine, theirs = _font_files(pdf), _font_files(plain)
    assert all(mine[n] == theirs[n] for n in theirs if n.startswith("/AAAAAA+"))  # ñ left the first one alone


def test_a_merged_pdf_holds_each_shared_font_file_once(stamp, tmp_path) -> None:
    names = ["Nguyễn Thị Ngọc Ánh", "Trần Văn Bình", "Lê Thị Ý Nhi", "Phạm Quốc Đạt"]
    cards = [render(documents.report_card(term_payload(n)), stamp) for n in names]
    book = render(documents.hoc_ba(identity("Võ Minh Khôi"), two_years("Võ Minh Khôi")), stamp)
    merged = concat.merge([*cards, book])
    reader = PdfReader(io.BytesIO(merged), strict=True)
    files = {
        font.get_object()["/FontDescriptor"].raw_get("/FontFile2").idnum
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    faces = {font.get_object()["/BaseFont"] for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert len(files) == len(faces)  # one file per face, shared by every document's pages
    assert len(merged) < sum(map(len, [*cards, book])) / 2
    text = pdf_text(merged, tmp_path)
    assert all(n in text for n in [*names, "Võ Minh Khôi"])
