"""The stamp font cut (pades._font_bytes: what makes a visible signature cheaper) still has
a glyph for every Vietnamese letter, whatever the Unicode form of the text; a stamp with a
character outside it falls back to the full font."""

from __future__ import annotations

import io
import unicodedata

VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")


def vietnamese_letters() -> str:
    letters = {unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES}
    letters |= set("bcdđghklmnpqrstvx")
    return "".join(sorted(letters | {c.upper() for c in letters}))


def test_the_stamp_cut_has_every_vietnamese_letter_and_is_smaller() -> None:
    from fontTools import ttLib

    from app.signing.services import pades

    cut = ttLib.TTFont(io.BytesIO(pades._font_bytes()))
    cmap = cut.getBestCmap()
    text = vietnamese_letters() + "0123456789 .,:;/-–—()%“”₫"
    assert len(text) > 150
    assert [c for c in text if ord(c) not in cmap] == []
    assert "GSUB" not in cut and "GPOS" not in cut
    assert len(pades._font_bytes()) < len(pades._full_font_bytes()) / 2


def test_a_stamp_in_decomposed_form_uses_the_cut_and_a_foreign_character_the_full_font() -> None:
    from app.signing.services import pades

    decomposed = unicodedata.normalize("NFD", "Hiệu trưởng: Ngô Văn Hiệu Trưởng")
    style = pades.stamp_style(decomposed)
    assert style.stamp_text == unicodedata.normalize("NFC", decomposed)
    assert style.text_box_style.font.full is False  # type: ignore[attr-defined]
    assert pades.stamp_style("Hiệu trưởng: 王").text_box_style.font.full is True  # type: ignore[attr-defined]
