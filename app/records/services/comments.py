"""The thread of a record: anyone who may see it may write (R15)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.audit import services as audit
from app.core.authz import require
from app.core.vn import nfc
from app.extensions import db
from app.records import policy
from app.records.models import Record, RecordComment
from app.records.services.errors import RecordError

if TYPE_CHECKING:
    from app.accounts.models import User

MAX_COMMENT = 4000


def add_comment(actor: User, record: Record, body: str | None) -> RecordComment:
    """One comment on the current version; its text is the audit event's comment."""
    require(policy.can_comment(actor, record), "record.comment")
    text = nfc(body).strip()
    if not text:
        raise RecordError("Vui lòng nhập nội dung trao đổi.")
    if len(text) > MAX_COMMENT:
        raise RecordError(f"Nội dung trao đổi tối đa {MAX_COMMENT} ký tự.")
    current = record.current_version
    comment = RecordComment(record=record, author_id=actor.id, body=text, version_id=current.id if current else None)
    db.session.add(comment)
    db.session.flush()
    audit.record(
        actor,
        "record.commented",
        record,
        comment=text,
        changes={"comment_id": [None, comment.id], "version_id": [None, comment.version_id]},
    )
    return comment
