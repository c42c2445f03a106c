"""Be Vietnam Pro (OFL-1.1, the `fontpkg-be-vietnam-pro` package), registered once per process.

Regular, Bold, Italic and BoldItalic are tied into one family so `<b>` and `<i>` inside a
Paragraph pick the right face; reportlab embeds each as a subset.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import fontpkg_be_vietnam_pro
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FAMILY = "BeVietnamPro"
REGULAR = "BeVietnamPro"
BOLD = "BeVietnamPro-Bold"
ITALIC = "BeVietnamPro-Italic"
BOLD_ITALIC = "BeVietnamPro-BoldItalic"
_FILES = {REGULAR: "Regular", BOLD: "Bold", ITALIC: "Italic", BOLD_ITALIC: "BoldItalic"}
_lock = threading.Lock()
_done = False


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
            pdfmetrics.registerFont(TTFont(name, str(folder / f"BeVietnamPro-{style}.ttf")))
        pdfmetrics.registerFontFamily(FAMILY, normal=REGULAR, bold=BOLD, italic=ITALIC, boldItalic=BOLD_ITALIC)
        _done = True


#: stringWidth of the same few strings ("8,0", "Đ", "Tốt", a space) recurs in every document
width = lru_cache(maxsize=16384)(pdfmetrics.stringWidth)


def show(text: Any, value: str) -> None:
    """`text.textOut(value)` without moving the text cursor (every string is placed with
    setTextOrigin first): the same operators, without measuring the string again."""
    text._code.append(text._formatText(value))
