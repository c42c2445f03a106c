"""What every document shares: the A4 template, Quốc hiệu and tiêu ngữ, the school header,
the date line, signature blocks (whose boxes are recorded for the visible PAdES signatures
of the signing issue — and, on a document that is signed, placed there as empty signature
fields), and the footer of every page ("Trang x/y", the verification code,
the issue time, "Bản này thay thế bản có mã …", and — when the stamp has a verification URL —
that URL as text and as a small QR code in the bottom right corner, drawn with reportlab's
own QR widget once per document as a form XObject that every page reuses). The PDF's
metadata (Subject, Keywords) carries the code and the audit chain's head at issuing time.

Paragraph styles are built once per size and cached at module level; the fonts are
registered once per process. Score grids are `grid.Grid` (strings drawn straight on the
canvas), prose is a Paragraph, the header, identity lines and signature blocks are small
flowables that draw directly — what keeps a page near reportlab's raw speed.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFName, PDFPage, PDFString
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph
from reportlab.platypus.flowables import KeepInFrame, _listWrapOn

from app.core.vn import formal_date, format_datetime, nfc, to_local
from app.reports.documents import SchoolHeader, Stamp
from app.reports.pdf import fonts

QUOC_HIEU = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TIEU_NGU = "Độc lập - Tự do - Hạnh phúc"
PORTRAIT = A4
LANDSCAPE = landscape(A4)
MARGIN = 14 * mm
TOP = 11 * mm
BOTTOM = 17 * mm  # room for the footer
GRID = colors.Color(0.45, 0.45, 0.45)
SOFT_BG = colors.Color(0.96, 0.96, 0.96)
NOTE_SIGN = "(Ký, ghi rõ họ tên)"
NOTE_SEAL = "(Ký tên, đóng dấu)"
#: the PDF's Author and Creator, and its Producer (ASCII: each signature parses the Info
#: dictionary again)
AUTHOR = "Sổ điện tử"
PRODUCER = "ReportLab"


@dataclass(frozen=True)
class SignatureBox:
    """Where a visible signature goes: page (1-based) and the rectangle in PDF points
    (origin bottom left), under the caption of `role` ("gvcn", "hieu_truong")."""

    role: str
    page: int
    x1: float
    y1: float
    x2: float
    y2: float


#: the signature field of each signing step (GVCN → hiệu trưởng → the school's seal)
SIGNATURE_FIELDS = {"gvcn": "ChuKy_GVCN", "hieu_truong": "ChuKy_HieuTruong", "seal": "DauCuaTruong"}


def box_for(boxes: Sequence[SignatureBox], step: str) -> tuple[int, tuple[float, float, float, float]] | None:
    """The page and rectangle of `step`: the GVCN's box, the hiệu trưởng's box (its upper
    half) and the seal (its lower half: "ký tên, đóng dấu"), on the last page that has them
    (a học bạ's current school year)."""
    role = "gvcn" if step == "gvcn" else "hieu_truong"
    found = [b for b in boxes if b.role == role]
    if not found:
        return None
    b = found[-1]
    if step == "gvcn":
        return b.page, (b.x1, b.y1, b.x2, b.y2)
    mid = (b.y1 + b.y2) / 2
    if step == "hieu_truong":
        return b.page, (b.x1, mid, b.x2, b.y2)
    return b.page, (b.x1, b.y1, b.x2, mid)


# ---------------------------------------------------------------------------- styles


@dataclass(frozen=True)
class Styles:
    size: float
    body: ParagraphStyle
    justify: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_center: ParagraphStyle
    center: ParagraphStyle
    caption: ParagraphStyle
    note: ParagraphStyle
    name: ParagraphStyle
    date: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    heading: ParagraphStyle
    notice: ParagraphStyle


@lru_cache(maxsize=32)
def styles(size: float = 9.5) -> Styles:
    fonts.register()

    def make(name: str, **kw: Any) -> ParagraphStyle:
        base: dict[str, Any] = {"fontName": fonts.REGULAR, "fontSize": size, "leading": size * 1.3}
        base.update(kw)
        return ParagraphStyle(f"{name}-{size}", **base)

    cell = size - 1
    return Styles(
        size=size,
        body=make("body", spaceAfter=size * 0.25),
        justify=make("justify", alignment=TA_JUSTIFY, spaceAfter=size * 0.25),
        small=make("small", fontSize=size - 1.5, leading=(size - 1.5) * 1.25),
        cell=make("cell", fontSize=cell, leading=cell * 1.2, alignment=TA_LEFT),
        cell_center=make("cellc", fontSize=cell, leading=cell * 1.2, alignment=TA_CENTER),
        center=make("center", alignment=TA_CENTER),
        caption=make("caption", fontName=fonts.BOLD, alignment=TA_CENTER),
        note=make("note", fontName=fonts.ITALIC, alignment=TA_CENTER, fontSize=size - 0.5),
        name=make("name", fontName=fonts.BOLD, alignment=TA_CENTER),
        date=make("date", fontName=fonts.ITALIC, alignment=TA_CENTER),
        title=make("title", fontName=fonts.BOLD, alignment=TA_CENTER, fontSize=size * 1.75, leading=size * 2.1),
        subtitle=make(
            "subtitle", fontName=fonts.BOLD, alignment=TA_CENTER, spaceBefore=size * 0.2, spaceAfter=size * 0.7
        ),
        heading=make("heading", fontName=fonts.BOLD, spaceBefore=size * 0.4, spaceAfter=size * 0.3),
        notice=make(
            "notice",
            fontName=fonts.BOLD_ITALIC,
            alignment=TA_CENTER,
            backColor=SOFT_BG,
            borderPadding=3,
            spaceBefore=2,
            spaceAfter=2,
        ),
    )


_MARKUP = re.compile(r"(<b>|</b>|<i>|</i>|&nbsp;)")
_FACES = {
    (False, False): fonts.REGULAR,
    (True, False): fonts.BOLD,
    (False, True): fonts.ITALIC,
    (True, True): fonts.BOLD_ITALIC,
}
_STYLE_OF = {
    fonts.REGULAR: (False, False),
    fonts.BOLD: (True, False),
    fonts.ITALIC: (False, True),
    fonts.BOLD_ITALIC: (True, True),
}


def _unescape(value: str) -> str:
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _tokens(markup: str, base_font: str) -> list[tuple[str, str]]:
    """(word, font) of each word, ("", font) for a breakable space."""
    bold, italic = _STYLE_OF.get(base_font, (False, False))
    tokens: list[tuple[str, str]] = []
    for piece in _MARKUP.split(markup):
        if piece in ("<b>", "</b>"):
            bold = piece == "<b>" or _STYLE_OF.get(base_font, (False, False))[0]
        elif piece in ("<i>", "</i>"):
            italic = piece == "<i>" or _STYLE_OF.get(base_font, (False, False))[1]
        elif piece == "&nbsp;":
            tokens.append(("", _FACES[(bold, italic)]))
        elif piece:
            font = _FACES[(bold, italic)]
            for i, word in enumerate(piece.split(" ")):
                if i:
                    tokens.append(("", font))
                if word:
                    tokens.append((_unescape(word), font))
    return tokens


Line = tuple[tuple[float, str, str, float], ...]  # (x, text, font, width) of each run of a font


@lru_cache(maxsize=4096)
def _wrapped(markup: str, base_font: str, size: float, aw: float) -> tuple[tuple[Line, ...], tuple[float, ...]]:
    """The lines of a paragraph `aw` wide, wrapped greedily, and each line's width. The same
    labels, headings and sentences recur in every document of a batch: wrapped once."""
    lines: list[list[list[Any]]] = []  # [x, text, font, width]
    line: list[list[Any]] = []
    x, pending = 0.0, 0.0
    for word, font in _tokens(markup, base_font):
        if not word:
            pending += fonts.width(" ", font, size)
            continue
        w = fonts.width(word, font, size)
        if line and x + pending + w > aw:
            lines.append(line)
            line, x, pending = [], 0.0, 0.0
        if not line:
            pending = 0.0
        last = line[-1] if line else None
        if last is not None and last[2] == font and abs(pending - fonts.width(" ", font, size)) < 0.01:
            last[1] += " " + word  # one string per run of a font: fewer text operations
            last[3] = x + pending + w - last[0]
        else:
            line.append([x + pending, word, font, w])
        x += pending + w
        pending = 0.0
    if line or not lines:
        lines.append(line)
    widths = tuple((ln[-1][0] + ln[-1][3]) if ln else 0.0 for ln in lines)
    return tuple(tuple((r[0], r[1], r[2], r[3]) for r in ln) for ln in lines), widths


class Para(Flowable):
    """A paragraph of the small markup the documents use (<b>, <i>, &nbsp;, escaped text)
    in a ParagraphStyle's font, size, leading, alignment (left or centred), spaces and
    background — wrapped greedily and drawn with one text object. Several times cheaper
    than reportlab's Paragraph for the few lines a report holds; not splittable (every
    paragraph of a document is a few lines)."""

    def __init__(self, markup: str, style: ParagraphStyle) -> None:
        super().__init__()
        self.markup, self.style = markup, style

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.lines, self.line_widths = _wrapped(self.markup, self.style.fontName, self.style.fontSize, aw)
        self.width = aw
        self.height = len(self.lines) * self.style.leading
        return self.width, self.height

    def getSpaceBefore(self) -> float:  # noqa: N802 (reportlab's name)
        return float(self.style.spaceBefore)

    def getSpaceAfter(self) -> float:  # noqa: N802
        return float(self.style.spaceAfter)

    def draw(self) -> None:
        c, st = self.canv, self.style
        size, leading = st.fontSize, st.leading
        if st.backColor is not None:
            pad = st.borderPadding or 0
            c.setFillColor(st.backColor)
            c.rect(-pad, -pad, self.width + 2 * pad, self.height + 2 * pad, stroke=0, fill=1)
            c.setFillColor(colors.black)
        text = c.beginText()
        current = ""
        y = self.height - size
        for line, width in zip(self.lines, self.line_widths, strict=True):
            shift = (self.width - width) / 2 if st.alignment == TA_CENTER else 0.0
            for x, word, font, _w in line:
                if font != current:
                    text.setFont(font, size)
                    current = font
                text.setTextOrigin(x + shift, y)
                fonts.show(text, word)
            y -= leading
        c.drawText(text)


def esc(value: str) -> str:
    """Text for a Paragraph's mini-markup."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def para(value: str, style: ParagraphStyle) -> Paragraph:
    return Para(esc(value), style)


def labelled(label: str, value: str, style: ParagraphStyle, missing: str = "—") -> Paragraph:
    """ "Label: <b>value</b>"."""
    return Para(f"{esc(label)}: <b>{esc(value or missing)}</b>", style)


class Texts:
    """The strings of one flowable (or footer) gathered into one text object, placed with
    setTextOrigin: far cheaper than a drawString each (a text object apiece)."""

    def __init__(self, canv: Canvas) -> None:
        self.canv = canv
        self.text = canv.beginText()
        self.current: tuple[str, float] | None = None

    def put(self, x: float, y: float, value: str, font: str, size: float, align: str = "L") -> None:
        if self.current != (font, size):
            self.text.setFont(font, size)
            self.current = (font, size)
        if align == "C":
            x -= fonts.width(value, font, size) / 2
        elif align == "R":
            x -= fonts.width(value, font, size)
        self.text.setTextOrigin(x, y)
        fonts.show(self.text, value)

    def draw(self) -> None:
        self.canv.drawText(self.text)


# ---------------------------------------------------------------------------- header


class HeaderBlock(Flowable):
    """Cơ quan chủ quản over the school's name (left); Quốc hiệu over the underlined tiêu
    ngữ (right) — drawn directly, each line shrunk to its column if too long."""

    def __init__(self, school: SchoolHeader, size: float = 10) -> None:
        super().__init__()
        self.school = school
        self.size = size

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        self.height = self.size * 3.4
        return aw, self.height

    def _line(self, text: str, font: str, cx: float, y: float, room: float) -> float:
        size = self.size
        width = fonts.width(text, font, size)
        if width > room:
            size = max(6.0, size * room / width)
            width = fonts.width(text, font, size)
        self.texts.put(cx, y, text, font, size, "C")
        return width

    def draw(self) -> None:
        c, s = self.canv, self.size
        left_w = self.width * 0.42
        right_w = self.width - left_w
        lx, rx = left_w / 2, left_w + right_w / 2
        top = self.height - s
        self.texts = Texts(c)
        c.setLineWidth(0.6)
        school, body = self.school.name.upper(), self.school.governing_body.upper()
        y = top
        if body:
            self._line(body, fonts.REGULAR, lx, y, left_w - 6)
            y -= s * 1.3
        if school:
            w = self._line(school, fonts.BOLD, lx, y, left_w - 6)
            c.line(lx - w / 6, y - s * 0.45, lx + w / 6, y - s * 0.45)
        self._line(QUOC_HIEU, fonts.BOLD, rx, top, right_w - 6)
        w = self._line(TIEU_NGU, fonts.BOLD, rx, top - s * 1.3, right_w - 6)
        c.line(rx - w / 2, top - s * 1.75, rx + w / 2, top - s * 1.75)
        self.texts.draw()


# ---------------------------------------------------------------------------- signatures


def date_line(place: str, day: date) -> str:
    """ "Cầu Ngang, ngày 05 tháng 01 năm 2026" (no place: "Ngày 05 tháng 01 năm 2026")."""
    return f"{place}, {formal_date(day)}" if place else formal_date(day).capitalize()


@dataclass
class Signer:
    role: str
    caption: str
    name: str
    note: str = NOTE_SIGN
    above: str = ""  # the date line, or a line such as "Đồng ý với nhận xét …"


def fit_size(text: str, font: str, size: float, room: float) -> float:
    width = fonts.width(text, font, size)
    return size if width <= room else max(5.0, size * room / width)


class SignatureRow(Flowable):
    """Signature blocks side by side — (date line), CAPTION, (note), the box, the name —
    drawn directly. The box under each caption is recorded, as it lands on the page, with
    `canv.absolutePosition()` (exact under any transform, e.g. a shrunk page)."""

    def __init__(self, signers: Sequence[Signer], st: Styles, sink: list[SignatureBox], box_height: float = 52) -> None:
        super().__init__()
        self.signers, self.st, self.sink, self.box_height = list(signers), st, sink, box_height
        self.lead = st.size * 1.3
        self.above = any(s.above for s in signers)
        lines = 3 + (1 if self.above else 0)  # (above), caption, note, name
        self.height = lines * self.lead + box_height + st.size * 0.3

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, self.height

    def _centred(self, text: str, font: str, size: float, cx: float, y: float, room: float) -> None:
        self.texts.put(cx, y, text, font, fit_size(text, font, size, room), "C")

    def draw(self) -> None:
        self.texts = Texts(self.canv)
        col = self.width / len(self.signers)
        size, lead, pad = self.st.size, self.lead, 6.0
        for i, s in enumerate(self.signers):
            if not s.caption:  # an empty column (a block on the right only)
                continue
            cx, room = col * (i + 0.5), col - 2 * pad
            y = self.height - size
            if self.above:
                if s.above:
                    self._centred(s.above, fonts.ITALIC, size, cx, y, room)
                y -= lead
            self._centred(s.caption, fonts.BOLD, size, cx, y, room)
            y -= lead
            self._centred(s.note, fonts.ITALIC, size - 0.5, cx, y, room)
            box_top = y - size * 0.45
            x1, y2 = self.canv.absolutePosition(cx - room / 2, box_top)
            x2, y1 = self.canv.absolutePosition(cx + room / 2, box_top - self.box_height)
            self.sink.append(SignatureBox(s.role, self.canv.getPageNumber(), x1, y1, x2, y2))
            y = box_top - self.box_height - size * 0.6
            if s.name:
                self._centred(s.name, fonts.BOLD, size, cx, y, room)
        self.texts.draw()


def signature_row(
    signers: Sequence[Signer], st: Styles, sink: list[SignatureBox], box_height: float = 52
) -> SignatureRow:
    return SignatureRow(signers, st, sink, box_height)


class LabelLine(Flowable):
    """One line of "Label: value" pairs at fixed fractions of the width (identity lines),
    the value bold where asked; each pair shrinks to its column if too long."""

    def __init__(self, pairs: Sequence[tuple[str, str, bool]], fractions: Sequence[float], size: float) -> None:
        super().__init__()
        self.pairs, self.fractions, self.size = list(pairs), list(fractions), size
        self.height = size * 1.45

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.width = aw
        return aw, self.height

    def draw(self) -> None:
        texts, x = Texts(self.canv), 0.0
        y = self.size * 0.35
        for (label, value, bold), frac in zip(self.pairs, self.fractions, strict=False):
            room = self.width * frac - 4
            head = f"{label}: " if label else ""
            vfont = fonts.BOLD if bold else fonts.REGULAR
            value = value or "—"
            total = fonts.width(head, fonts.REGULAR, self.size) + fonts.width(value, vfont, self.size)
            size = self.size if total <= room else max(5.0, self.size * room / total)
            if head:
                texts.put(x, y, head, fonts.REGULAR, size)
            texts.put(x + fonts.width(head, fonts.REGULAR, size), y, value, vfont, size)
            x += self.width * frac
        texts.draw()


def story_height(story: list[Flowable], width: float) -> float:
    """The height `story` takes in a frame `width` wide (spaces between flowables included)."""
    return float(_listWrapOn(story, width, None)[1])


def one_page(story: list[Flowable], width: float, height: float) -> list[Flowable]:
    """The story as is when it fits one frame, else shrunk (never cut) into it."""
    if story_height(story, width) <= height:
        return story
    return [KeepInFrame(width, height, story, mode="shrink", hAlign="LEFT", vAlign="TOP")]


# ---------------------------------------------------------------------------- footer and build


@dataclass
class Footer:
    """The footer of every page: `lines` on the left, "Trang x/y" on the right, the QR code of
    `qr_value` (the verification URL) in the corner when given."""

    lines: list[str] = field(default_factory=list)
    strong: str = ""  # "Bản này thay thế bản có mã …" — printed bold
    qr_value: str = ""
    subject: str = ""  # the PDF's Subject and Keywords (metadata)
    keywords: str = ""


#: the QR code's side (it sits in the bottom margin, right of the footer text)
QR_SIZE = 13 * mm
QR_Y = 1.5 * mm  # its bottom edge, from the bottom of the page
QR_FORM = "sodientu-verify-qr"


#: a fixed mask pattern: reportlab otherwise builds the symbol 8 times to score every mask
#: (≈10 ms a document in pure Python); any mask is valid QR, readers take it from the format bits
QR_MASK = 2
QR_BORDER = 2  # quiet-zone modules (the margin around the code is white paper anyway)


def qr_widget(value: str, size: float = QR_SIZE) -> QrCodeWidget:
    """reportlab's QR widget for `value`: level M, a 2-module quiet zone, the mask `QR_MASK`."""
    widget = QrCodeWidget(value, barLevel="M", barBorder=QR_BORDER, barWidth=size, barHeight=size)
    widget.qr.getBestMaskPattern = lambda: QR_MASK
    return widget


def qr_runs(widget: QrCodeWidget) -> tuple[int, list[tuple[int, int, int]]]:
    """(modules per side, [(row, first column, length) of every run of dark modules]) of the
    widget's symbol, as its own draw() groups them."""
    qr = widget.qr
    qr.make()
    runs = []
    for r, row in enumerate(qr.modules):
        c = 0
        for dark, group in itertools.groupby(bool(m) for m in row):
            n = sum(1 for _ in group)
            if dark:
                runs.append((r, c, n))
            c += n
    return qr.getModuleCount(), runs


def draw_qr(canv: Canvas, value: str, x: float, y: float, size: float = QR_SIZE) -> None:
    """The widget's symbol drawn as one filled path at (x, y), `size` square. The same
    rectangles as `QrCodeWidget.draw()`, without building a Drawing of ~300 validated shapes
    (≈30 ms a document)."""
    count, runs = qr_runs(qr_widget(value, size))
    side = count + 2 * QR_BORDER
    path = canv.beginPath()
    for r, c, n in runs:  # in module units (integers: short PDF operators)
        path.rect(c + QR_BORDER, side - r - QR_BORDER - 1, n, 1)
    canv.saveState()
    canv.translate(x, y)
    canv.scale(size / side, size / side)
    canv.setFillColor(colors.black)
    canv.drawPath(path, stroke=0, fill=1)
    canv.restoreState()


def metadata(stamp: Stamp) -> tuple[str, str]:
    """(Subject, Keywords) of the document's PDF: the code and the audit chain head."""
    subject = f"Mã xác thực {stamp.code}"
    keys = [f"sodientu-code={stamp.code}"]
    if stamp.audit_seq is not None and stamp.audit_hash:
        keys += [f"audit-seq={stamp.audit_seq}", f"audit-hash={stamp.audit_hash}"]
    if stamp.verify_url:
        keys.append(f"verify={stamp.verify_url}")
    return subject, "; ".join(keys)


def stamp_footer(stamp: Stamp, lead: str = "") -> Footer:
    issued = format_datetime(stamp.issued_at)
    first = f"Mã xác thực: {stamp.code} · Phát hành lúc {issued} · Người phát hành: {stamp.issued_by}"
    lines = [lead, first] if lead else [first]
    if stamp.verify_url:
        lines.append(f"Kiểm tra tại: {stamp.verify_url} (hoặc quét mã QR)")
    strong = f"Bản này thay thế bản có mã {stamp.supersedes} (đã điều chỉnh)." if stamp.supersedes else ""
    subject, keywords = metadata(stamp)
    return Footer([nfc(x) for x in lines], nfc(strong), stamp.verify_url or "", subject, keywords)


def issued_day(stamp: Stamp) -> date:
    return to_local(stamp.issued_at).date()


class _LeanPage(PDFPage):
    """A page dictionary without what reportlab writes by default and PDF readers ignore:
    an empty /Trans (no transition effect), /Rotate 0 (the default) and /ProcSet (obsolete
    since PDF 1.4). Each signature's pyHanko revision parses every page dictionary up to
    the one it signs (the last page of a học bạ), in pure Python: the lean dictionary
    parses in half the time (bench/sign_speed.py; pinned in tests/reports/test_pdf_signature_fields.py)."""

    def check_format(self, document: Any) -> None:
        super().check_format(document)
        self.Resources.ProcSet = []
        self.Trans = self.Rotate = None


def _signature_widget(name: str, rect: tuple[float, ...]) -> PDFDictionary:
    """An empty signature field merged with its widget (PDF 32000 §12.7.4.5), printable."""
    return PDFDictionary(
        {
            "Type": PDFName("Annot"),
            "Subtype": PDFName("Widget"),
            "FT": PDFName("Sig"),
            "T": PDFString(name),
            "Rect": PDFArray([round(v, 3) for v in rect]),
            "F": 4,
        }
    )


class _FooterCanvas(Canvas):
    """Keeps each page until the end so the footer can say "Trang x/y"."""

    footer: Footer
    signed_by: Sequence[SignatureBox] | None = None

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        if self.footer.qr_value:  # drawn once, shown on every page
            self.beginForm(QR_FORM, 0, 0, QR_SIZE, QR_SIZE)
            draw_qr(self, self.footer.qr_value, 0, 0)
            self.endForm()
        fields = self._empty_signature_fields()
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._draw_footer(total)
            for name, rect in fields.get(number, []):
                self._addAnnotation(_signature_widget(name, rect), name=name)
            Canvas.showPage(self)
            self._doc.Pages.pages[-1].__class__ = _LeanPage
        if fields:
            refs = [self._doc.refAnnotation(name) for on_page in fields.values() for name, _ in on_page]
            # SigFlags 3 (signatures exist, append only), as pyHanko sets it: no AcroForm update at signing
            self._doc.Catalog.AcroForm = PDFDictionary({"Fields": PDFArray(refs), "SigFlags": 3})
        Canvas.save(self)

    def _empty_signature_fields(self) -> dict[int, list[tuple[str, tuple[float, ...]]]]:
        """The signature field of each step, by page, at the boxes the pages recorded — known
        only once every page is laid out (the last page with boxes gets them). A field made
        here is filled at signing: pyHanko then neither walks the page tree nor rewrites
        the page (bench/sign_speed.py: a tenth of the three signatures)."""
        by_page: dict[int, list[tuple[str, tuple[float, ...]]]] = {}
        for step, name in SIGNATURE_FIELDS.items():
            place = box_for(self.signed_by or [], step)
            if place is not None:
                by_page.setdefault(place[0], []).append((name, place[1]))
        return by_page

    def _draw_footer(self, total: int) -> None:
        width, _ = self._pagesize
        f = self.footer
        self.saveState()
        self.setStrokeColor(GRID)
        self.setLineWidth(0.4)
        y = BOTTOM - 5
        right = width - MARGIN
        if f.qr_value:
            self.saveState()
            self.translate(right - QR_SIZE, QR_Y)
            self.doForm(QR_FORM)
            self.restoreState()
            right -= QR_SIZE + 2 * mm
        self.line(MARGIN, y, right, y)
        self.setFillColor(colors.black)
        texts = Texts(self)
        texts.put(right, y - 8, f"Trang {self._pageNumber}/{total}", fonts.REGULAR, 7, "R")
        yy = y - 8
        if f.strong:
            texts.put(MARGIN, yy, f.strong, fonts.BOLD_ITALIC, 7)
            yy -= 8.5
        for line in f.lines:
            texts.put(MARGIN, yy, line, fonts.REGULAR, 7)
            yy -= 8.5
        texts.draw()
        self.restoreState()


def canvas_maker(footer: Footer, signed_by: Sequence[SignatureBox] | None = None) -> Callable[..., Canvas]:
    def make(*args: Any, **kw: Any) -> Canvas:
        canv = _FooterCanvas(*args, **kw)
        canv.footer, canv.signed_by = footer, signed_by
        return canv

    return make


def frame_size(pagesize: tuple[float, float]) -> tuple[float, float]:
    return pagesize[0] - 2 * MARGIN, pagesize[1] - TOP - BOTTOM


def build(
    story: list[Flowable],
    footer: Footer,
    *,
    pagesize: tuple[float, float] = PORTRAIT,
    title: str = "",
    signed_by: Sequence[SignatureBox] | None = None,
) -> bytes:
    """The PDF of `story`: A4, Be Vietnam Pro from the first byte, the footer on every page,
    deterministic bytes for the same input (invariant). A document that is signed passes
    the list its signature rows fill (`signed_by`): its fields are placed at those boxes."""
    fonts.register()
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=pagesize,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=TOP,
        bottomMargin=BOTTOM,
        initialFontName=fonts.REGULAR,
        initialFontSize=9,
        title=title,
        subject=footer.subject,
        keywords=footer.keywords,
        author=AUTHOR,
        creator=AUTHOR,
        producer=PRODUCER,
        invariant=1,
        lang="vi-VN",
    )
    w, h = frame_size(pagesize)
    frame = Frame(MARGIN, BOTTOM, w, h, id="body", leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame], pagesize=pagesize)])
    doc.build(story, canvasmaker=canvas_maker(footer, signed_by))
    return buf.getvalue()


def build_pages(
    pages: Sequence[list[Flowable]],
    footer: Footer,
    *,
    title: str = "",
    signed_by: Sequence[SignatureBox] | None = None,
) -> bytes:
    """The PDF of fixed A4 portrait pages — each story fits its page (`one_page`), nothing
    flows from one page to the next — with the same bytes as `build` of the stories joined
    by page breaks: each story stacked in the frame as platypus' Frame places it, without
    the document template's flowing machinery (a report card or a học bạ page needs none)."""
    fonts.register()
    buf = io.BytesIO()
    canv = canvas_maker(footer, signed_by)(
        buf, pagesize=PORTRAIT, invariant=1, initialFontName=fonts.REGULAR, initialFontSize=9, lang="vi-VN"
    )
    canv.setAuthor(AUTHOR)
    canv.setTitle(title)
    canv.setSubject(footer.subject)
    canv.setCreator(AUTHOR)
    canv.setProducer(PRODUCER)
    canv.setKeywords(footer.keywords)
    width, height = frame_size(PORTRAIT)
    for story in pages:
        _stack(canv, story, width, BOTTOM + height)
        canv.showPage()
    canv.save()
    return buf.getvalue()


def _stack(canv: Canvas, story: list[Flowable], width: float, top: float) -> None:
    """Draw `story` top-down from `top`, as reportlab's Frame does (rl_config's
    overlapAttachedSpace: a space before overlaps the space after the flowable above; none
    at the top of the frame)."""
    y, at_top, after = top, True, 0.0
    for f in story:
        f.canv = canv
        try:
            space = 0.0 if at_top else max(f.getSpaceBefore() - after, 0)
            w, h = f.wrap(width, y - BOTTOM - space)
            below = y - h - space
            f.drawOn(canv, MARGIN, below, _sW=width - w)
            after = f.getSpaceAfter()
        finally:
            if hasattr(f, "canv"):
                del f.canv
        if below - after != y:
            at_top = False
        y = below - after
