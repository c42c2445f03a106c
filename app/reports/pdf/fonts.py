"""Be Vietnam Pro (OFL-1.1, the `fontpkg-be-vietnam-pro` package), registered once per process.

Regular, Bold, Italic and BoldItalic are tied into one family so `<b>` and `<i>` inside a
Paragraph pick the right face; each is embedded as a subset (`SharedSubsetFont`).
"""

from __future__ import annotations

import threading
import unicodedata
import zlib
from functools import lru_cache
from typing import Any

import fontpkg_be_vietnam_pro
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import FF_NONSYMBOLIC, FF_SYMBOLIC, TTFont, TTFontFace

FAMILY = "BeVietnamPro"
REGULAR = "BeVietnamPro"
BOLD = "BeVietnamPro-Bold"
ITALIC = "BeVietnamPro-Italic"
BOLD_ITALIC = "BeVietnamPro-BoldItalic"
_FILES = {REGULAR: "Regular", BOLD: "Bold", ITALIC: "Italic", BOLD_ITALIC: "BoldItalic"}
_lock = threading.Lock()
_done = False


def _vietnamese_letters() -> str:
    """Every precomposed Vietnamese letter outside ASCII (134: the 12 vowels × 6 tones, both
    cases, and đ Đ), in code-point order, and the punctuation our documents print."""
    tones = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
    vowels = "aăâeêioôơuưy"
    letters = {unicodedata.normalize("NFC", v + t) for v in vowels + vowels.upper() for t in tones}
    letters |= {"đ", "Đ"}
    return "".join(sorted(c for c in letters if ord(c) > 127)) + "–—·…“”‘’•°×≤≥"


#: the first subset of every document, in this order after ASCII (reportlab's asciiReadable
#: subset 0 holds 159 codes beyond ASCII: these 147 fit)
SHARED_CHARACTERS = _vietnamese_letters()


class _SharedSubsetFace(TTFontFace):
    """A face whose embedded subset files are made and compressed once per process for each
    distinct subset, instead of once per document."""

    def addSubsetObjects(self, doc: Any, fontname: str, subset: list[int]) -> Any:  # noqa: N802 (reportlab's name)
        """reportlab's TTFontFace.addSubsetObjects, with the font file from `_font_file`."""
        length, packed = _font_file(self, tuple(subset))
        font_file = pdfdoc.PDFStream(content=packed)
        font_file.dictionary["Length1"] = length
        # already deflated: reportlab applies no filter to a stream that names one
        font_file.dictionary["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName("FlateDecode")])
        ref = doc.Reference(font_file, f"fontFile:{self.filename}({fontname})")
        descriptor = pdfdoc.PDFDictionary(
            {
                "Type": "/FontDescriptor",
                "Ascent": self.ascent,
                "CapHeight": self.capHeight,
                "Descent": self.descent,
                "Flags": (self.flags & ~FF_NONSYMBOLIC) | FF_SYMBOLIC,
                "FontBBox": pdfdoc.PDFArray(self.bbox),
                "FontName": pdfdoc.PDFName(fontname),
                "ItalicAngle": self.italicAngle,
                "StemV": self.stemV,
                "FontFile2": ref,
                "MissingWidth": self.defaultWidth,
            }
        )
        return doc.Reference(descriptor, "fontDescriptor:" + fontname)


@lru_cache(maxsize=64)
def _font_file(face: _SharedSubsetFace, subset: tuple[int, ...]) -> tuple[int, bytes]:
    """(length, deflated bytes) of the TrueType subset file of `subset` (the same bytes
    reportlab would make and compress for it)."""
    data = face.makeSubset(list(subset))
    return len(data), zlib.compress(data)


class SharedSubsetFont(TTFont):
    """A TrueType font whose first subset is the same in every document — ASCII and
    `SHARED_CHARACTERS` in a fixed order — so its embedded file (244 codes of the font's 527 glyphs)
    is made once per process: reportlab otherwise subsets and compresses every face of every
    document anew, a fifth of a học bạ's drawing time (docs/performance.md). Characters
    outside it go to further subsets, made per document as reportlab does."""

    def __init__(self, name: str, filename: str) -> None:
        super().__init__(name, filename)
        self.face.__class__ = _SharedSubsetFace  # the face TTFont made, with the cached subset files
        self._first: Any = None  # the first subset's state, made by the first document

    def splitString(self, text: Any, doc: Any, encoding: str = "utf-8") -> list[tuple[int, bytes]]:  # noqa: N802
        if doc not in self.state:
            self._seed(doc)
        return super().splitString(text, doc, encoding)

    def _seed(self, doc: Any) -> None:
        """The document's first subset: a copy of `_first_subset`'s."""
        first = self._first = self._first or self._first_subset()
        state = self.state[doc] = TTFont.State(self._asciiReadable, self)
        state.assignments, state.subsets = dict(first.assignments), [list(s) for s in first.subsets]
        state.nextCode = first.nextCode

    def _first_subset(self) -> Any:
        """ASCII, then the shared characters the face has, as reportlab assigns them; the
        subset's other codes stay unused so that a document's own characters never change it."""
        state = TTFont.State(self._asciiReadable, self)

        class _Doc:  # a document of its own: reportlab keys a font's state by document (weakly)
            pass

        doc = _Doc()
        self.state[doc] = state
        known = self.face.charToGlyph
        super().splitString("".join(c for c in SHARED_CHARACTERS if ord(c) in known), doc)
        state.nextCode = 256
        del self.state[doc]
        return state


def register() -> None:
    """Register the four faces and the family (idempotent, thread-safe, once per process)."""
    global _done
    if _done:
        return
    with _lock:
        if _done:
            return
        folder = fontpkg_be_vietnam_pro.ROOT / "files"
        for name, style in _FILES.items():
            pdfmetrics.registerFont(SharedSubsetFont(name, str(folder / f"BeVietnamPro-{style}.ttf")))
        pdfmetrics.registerFontFamily(FAMILY, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)
        _done = True


#: stringWidth of the same few strings ("8,0", "Đ", "Tốt", a space) recurs in every document
width = lru_cache(maxsize=16384)(pdfmetrics.stringWidth)


def show(text: Any, value: str) -> None:
    """`text.textOut(value)` without moving the text cursor (every string is placed with
    setTextOrigin first): the same operators, without measuring the string again."""
    text._code.append(text._formatText(value))
