"""PDF builders: pure functions from a document dataclass and a stamp to PDF bytes.

`render(document, stamp)` is what the issuing pipeline calls; `render_with_boxes` also
returns where each signature box lies (page, rectangle in points), for the visible PAdES
signatures the signing issue places there.
"""

from __future__ import annotations

from app.reports.documents import ClassBook, HocBa, ReportCard, Stamp
from app.reports.pdf import bao_lien_lac, hoc_ba, so_theo_doi
from app.reports.pdf.common import SIGNATURE_FIELDS, SignatureBox, box_for

__all__ = ["SIGNATURE_FIELDS", "SignatureBox", "box_for", "render", "render_with_boxes"]


def render_with_boxes(document: ReportCard | HocBa | ClassBook, stamp: Stamp) -> tuple[bytes, list[SignatureBox]]:
    boxes: list[SignatureBox] = []
    if isinstance(document, ReportCard):
        pdf = bao_lien_lac.render(document, stamp, boxes)
    elif isinstance(document, HocBa):
        pdf = hoc_ba.render(document, stamp, boxes)
    elif isinstance(document, ClassBook):
        pdf = so_theo_doi.render(document, stamp, boxes)
    else:
        raise TypeError(f"Không có mẫu in cho {type(document).__name__}.")
    return pdf, boxes


def render(document: ReportCard | HocBa | ClassBook, stamp: Stamp) -> bytes:
    """The PDF of `document` with `stamp` in the footer of every page."""
    return render_with_boxes(document, stamp)[0]
