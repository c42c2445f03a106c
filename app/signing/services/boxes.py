"""Where the visible signatures go: the document is drawn again from the rows it was
issued from (its snapshots, its frozen identity, the same stamp — its verification URL and
the audit head are read back from the issued file's metadata). The PDF builders are
deterministic (reportlab invariant), so the redraw is byte-identical to the issued file
when nothing in the templates changed — `redraw` says whether it is, and the boxes
(recorded by the builders under each caption, app/reports/pdf/common.SignatureRow) are
then exactly those of the issued pages."""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from pypdf import PdfReader

from app.core import files
from app.reports import documents, pdf
from app.reports.models import IssuedDocument
from app.reports.pdf import SignatureBox, box_for
from app.reports.services.issuing import with_term_learning
from app.signing import queries

__all__ = ["Redrawn", "box_for", "boxes_of", "issued_keywords", "redraw"]


@dataclass(frozen=True)
class Redrawn:
    boxes: list[SignatureBox]
    identical: bool  # the redraw has the issued file's sha256 (boxes kept at issuing: True)


#: the redraw of an issued document, by (id, issued sha256): an issued file never changes,
#: so its boxes are drawn once per process — the seal after the hiệu trưởng's signature in
#: the same batch item, or a later signature, does not render the document again
_CACHE: OrderedDict[tuple[int, str], Redrawn] = OrderedDict()
_CACHE_SIZE = 512
_LOCK = threading.Lock()


def boxes_of(doc: IssuedDocument) -> Redrawn:
    """The boxes kept at issuing (IssuedDocument.signature_boxes: no drawing at all), or for
    a document issued before they were kept, `redraw(doc)` once per process."""
    if doc.signature_boxes is not None:
        return Redrawn([SignatureBox(**b) for b in doc.signature_boxes], identical=True)
    key = (doc.id, doc.sha256)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    found = redraw(doc)
    with _LOCK:
        _CACHE[key] = found
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return found


def redraw(doc: IssuedDocument) -> Redrawn:
    payloads = [s.data for s in queries.snapshots_by_id([s["id"] for s in doc.sources])]
    printed = issued_keywords(files.path_for(doc.sha256).read_bytes())
    seq = printed.get("audit-seq", "")
    stamp = documents.Stamp(
        code=doc.code,
        issued_at=doc.issued_at,
        issued_by=doc.issued_by.full_name if doc.issued_by else "",
        supersedes=doc.supersedes_code,
        verify_url=printed.get("verify"),
        audit_seq=int(seq) if seq.isdigit() else None,
        audit_hash=printed.get("audit-hash"),
    )
    built: documents.HocBa | documents.ClassBook
    if doc.kind == "hoc_ba":
        built = documents.hoc_ba(json.loads(doc.identity or "{}"), with_term_learning(payloads))
    else:
        built = documents.class_book(payloads)
    data, boxes = pdf.render_with_boxes(built, stamp)
    return Redrawn(boxes, hashlib.sha256(data).hexdigest() == doc.sha256)


def issued_keywords(data: bytes) -> dict[str, str]:
    """The `key=value; …` pairs the issuing pipeline wrote into the PDF's Keywords
    (app/reports/pdf/common.metadata): the verification URL and the audit head of that day."""
    info = PdfReader(io.BytesIO(data)).metadata
    keywords = str(info.get("/Keywords") or "") if info is not None else ""
    pairs = (part.strip().partition("=") for part in keywords.split(";"))
    return {key: value for key, sep, value in pairs if sep}
