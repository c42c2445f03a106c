"""A family's copy of an issued document: the issued (or last signed) file byte for byte,
plus one incremental update (pyHanko's IncrementalPdfFileWriter) adding a discreet
FreeText annotation on the first page — "Cấp cho phụ huynh của <student> — <date>" —
drawn in Be Vietnam Pro. The signed revisions are untouched, so every signature stays
intact and valid; the copy's sha256 is recorded (DeliveredCopy) so /verify recognises it
as that document ("bản cấp cho phụ huynh"). One copy per document, base and line (the
line carries the day): a second download that day serves the stored copy."""

from __future__ import annotations

import io
import unicodedata

from pyhanko import stamp
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.generic import pdf_name, pdf_string
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core import files
from app.extensions import db
from app.reports.models import IssuedDocument
from app.signing.models import DeliveredCopy
from app.signing.services.pades import stamp_style
from app.signing.services.signing import current_bytes, current_sha256

FONT_SIZE = 6
MARGIN = 18.0  # points from the page's lower-left corner: out of the way of the sheet's content


def parent_line(student_name: str, day_text: str) -> str:
    return unicodedata.normalize("NFC", f"Cấp cho phụ huynh của {student_name} — {day_text}")


def with_line(base: bytes, line: str) -> bytes:
    """`base` plus an incremental update adding `line` as a printable FreeText annotation."""
    writer = IncrementalPdfFileWriter(io.BytesIO(base), strict=False)
    text = stamp.TextStamp(writer, stamp_style(line, FONT_SIZE))
    appearance = text.as_appearances().as_pdf_object()
    width, height = text.box.width, text.box.height
    kids = writer.root["/Pages"]["/Kids"]
    page_ref = kids[0]
    page = page_ref.get_object()
    box = page["/MediaBox"]
    x, y = float(box[0]) + MARGIN, float(box[1]) + MARGIN / 2
    annot = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/FreeText"),
            pdf_name("/Rect"): generic.ArrayObject([generic.FloatObject(v) for v in (x, y, x + width, y + height)]),
            pdf_name("/Contents"): pdf_string(line),
            pdf_name("/DA"): pdf_string(f"/Helv {FONT_SIZE} Tf 0 g"),
            pdf_name("/F"): generic.NumberObject(4 | 128),  # printed, locked
            pdf_name("/AP"): appearance,
        }
    )
    ref = writer.add_object(annot)
    raw = page.raw_get("/Annots") if "/Annots" in page else None
    if raw is None:
        page[pdf_name("/Annots")] = generic.ArrayObject([ref])
        writer.update_container(page)
    elif isinstance(raw, generic.IndirectObject):
        raw.get_object().append(ref)
        writer.mark_update(raw)
    else:
        raw.append(ref)
        writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def parent_copy(doc: IssuedDocument, line: str) -> bytes:
    """The family's copy of the document's current revision with `line` (made once, stored)."""
    base_sha = current_sha256(doc)
    found = db.session.scalars(
        select(DeliveredCopy).where(
            DeliveredCopy.document_id == doc.id, DeliveredCopy.base_sha256 == base_sha, DeliveredCopy.line == line
        )
    ).first()
    if found is not None and files.exists(found.sha256):
        return files.path_for(found.sha256).read_bytes()
    data = with_line(current_bytes(doc), line)
    staged = files.stage_bytes(data, db.session())
    if found is not None:  # the stored file went missing: make it again
        found.sha256 = staged.sha256
        db.session.flush()
        return data
    try:
        with db.session.begin_nested():
            db.session.add(DeliveredCopy(document_id=doc.id, base_sha256=base_sha, line=line, sha256=staged.sha256))
    except IntegrityError:  # another guardian of the child downloaded it at the same moment
        winner = db.session.scalars(
            select(DeliveredCopy.sha256).where(
                DeliveredCopy.document_id == doc.id, DeliveredCopy.base_sha256 == base_sha, DeliveredCopy.line == line
            )
        ).one()
        return files.path_for(winner).read_bytes()
    return data
