"""The PDF a family downloads: the issued document (its last signed revision, if signed)
with a discreet line "Cấp cho phụ huynh của <student> — <date>" added as an incremental
update (app/signing/services/copies.py): signatures stay intact and valid, and /verify
recognises the copy as the issued document ("bản cấp cho phụ huynh")."""

from __future__ import annotations

from app.core.vn import format_date, local_today
from app.parents import queries
from app.parents.queries import ParentPrincipal
from app.reports.models import IssuedDocument
from app.signing.services import copies


def parent_copy(who: ParentPrincipal, doc: IssuedDocument) -> bytes:
    student = queries.student_of(who)
    return copies.parent_copy(doc, copies.parent_line(student.full_name, format_date(local_today())))
