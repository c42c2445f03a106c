"""What the parent templates are given: the child's own points and sheets (no query here:
everything comes from queries scoped to the principal)."""

from __future__ import annotations

from typing import Any

from app.core.vn import to_local
from app.parents import messages, progress, queries, slips
from app.parents.queries import ParentPrincipal
from app.reports import documents
from app.reports.pdf.common import date_line
from app.results.models import ResultSnapshot
from app.school.models import Guardian, SchoolClass


def _label(snapshot: ResultSnapshot) -> str:
    return str(snapshot.data.get("period_label") or snapshot.period)


def identity(who: ParentPrincipal) -> dict[str, Any]:
    """Minimal identity: name, class, year — no số định danh, address or dân tộc."""
    student = queries.student_of(who)
    link = queries.link_of(who)
    return {
        "child_name": student.full_name,
        "class_name": link.school_class.name,
        "year_name": link.school_class.year.name,
    }


def overview(who: ParentPrincipal) -> dict[str, Any]:
    points = queries.points_for(who)
    acks = queries.acks_of_link(who.link_id)
    series = progress.points([(_label(s), s.data) for s in points])
    items = [{"snapshot": s, "label": _label(s), "acked": s.id in acks} for s in points]
    return {**identity(who), "items": items, "chart": progress.svg_coords(series), "chart_box": progress}


def point(who: ParentPrincipal, snapshot: ResultSnapshot) -> dict[str, Any]:
    return {
        **identity(who),
        "snapshot": snapshot,
        "label": _label(snapshot),
        "document": documents.report_card(snapshot.data),
        "today": to_local(snapshot.created_at).date(),  # the sheet is dated when it was published
        "date_line": date_line,
        "issued": queries.issued_for(who, snapshot),
        "ack": queries.acks_of_link(who.link_id).get(snapshot.id),
    }


def slip(guardian: Guardian, cls: SchoolClass, url: str) -> dict[str, Any]:
    """One row of the distribution sheet: who, the link, the message to send, its QR code."""
    name = guardian.student.full_name
    return {
        "student": name,
        "guardian": f"{guardian.relation_label}: {guardian.full_name}",
        "phone": guardian.phone or "",
        "url": url,
        "message": slips.message(name, cls.name, url),
        "qr": slips.qr_svg(url),
    }


def inbox(who: ParentPrincipal, errors: dict[int, list[str]] | None = None) -> dict[str, Any]:
    """The GVCN's messages to this family, newest first; `new_ids`: not seen before now."""
    found = messages.for_family(who)
    return {
        "messages": found,
        "new_ids": {m.id for m in found if m.read_at is None},
        "message_errors": errors or {},
        "reply_max": messages.REPLY_MAX,
    }
