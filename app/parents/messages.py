"""The GVCN's one-to-one messages to a family (e.g. about absences) — reads and writes.

A message goes to one student's family: every guardian of that student holding a link
sees it on the parent page, nobody else (every read is scoped by the principal's
student). The first time a guardian sees it is its read receipt (`read_at`, not audited:
a view changes nothing); the family may answer once (`reply`); the GVCN reading the reply
sets `reply_seen_at`, which the class's "unread replies" count uses. Sending and replying
are audited, the text only as a keyed digest (HMAC, app.audit.services.personal_digest):
the chain proves what was written when shown the text, and holds no clear copy of it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.accounts.models import User
from app.audit import services as audit
from app.core.authz import not_found
from app.core.errors import DomainError
from app.core.models import utcnow
from app.core.vn import nfc
from app.extensions import db
from app.parents import policy, queries
from app.parents.models import ParentMessage
from app.parents.queries import ParentPrincipal
from app.school.models import SchoolClass, Student

BODY_MAX = 1000
REPLY_MAX = 500
PARENT_ROLE = "phu_huynh"

ACTION_LABELS = {
    "parent_message.sent": "Giáo viên chủ nhiệm gửi tin nhắn riêng cho phụ huynh",
    "parent_message.replied": "Phụ huynh trả lời tin nhắn của giáo viên chủ nhiệm",
}


def _checked_text(raw: str | None, limit: int, *, empty: str, name: str) -> str:
    """NFC, trimmed, not empty and at most `limit` characters — or a 422 saying which."""
    text = nfc(raw).strip()
    if not text:
        raise DomainError(empty, 422)
    if len(text) > limit:
        raise DomainError(f"{name} tối đa {limit} ký tự (đang có {len(text)}).", 422)
    return text


# ---------------------------------------------------------------------------- the GVCN's side


def send(actor: User, cls: SchoolClass, student: Student, body: str | None) -> ParentMessage:
    """A note from the GVCN (or BGH) to the family of one student of the class."""
    if not policy.can_manage_links(actor, cls.homeroom_teacher_id):
        raise DomainError("Chỉ giáo viên chủ nhiệm hoặc Ban giám hiệu gửi được tin nhắn cho phụ huynh.", 403)
    text = _checked_text(body, BODY_MAX, empty="Hãy viết nội dung tin nhắn.", name="Tin nhắn")
    message = ParentMessage(class_id=cls.id, student_id=student.id, author_id=actor.id, body=text, reply="")
    db.session.add(message)
    db.session.flush()
    audit.record(
        actor,
        "parent_message.sent",
        message,
        changes={"student_id": [None, student.id], "class_id": [None, cls.id],
                 "body": [None, audit.personal_digest(text)], "length": [None, len(text)]},
    )  # fmt: skip
    return message


def of_student(cls: SchoolClass, student_id: int) -> list[ParentMessage]:
    """The class's messages to one student's family, oldest first."""
    return list(
        db.session.scalars(
            select(ParentMessage)
            .where(ParentMessage.class_id == cls.id, ParentMessage.student_id == student_id)
            .order_by(ParentMessage.id)
        )
    )


def has_unseen_replies(messages: list[ParentMessage]) -> bool:
    return any(m.replied_at is not None and m.reply_seen_at is None for m in messages)


def mark_replies_seen(messages: list[ParentMessage], now: datetime) -> int:
    """The GVCN opened the family's thread: its unread replies are now read."""
    fresh = [m for m in messages if m.replied_at is not None and m.reply_seen_at is None]
    for message in fresh:
        message.reply_seen_at = now
    db.session.flush()
    return len(fresh)


def unread_replies(cls: SchoolClass) -> dict[int, int]:
    """{student id: replies the GVCN has not read yet} for the class."""
    rows = db.session.execute(
        select(ParentMessage.student_id, func.count())
        .where(
            ParentMessage.class_id == cls.id,
            ParentMessage.replied_at.is_not(None),
            ParentMessage.reply_seen_at.is_(None),
        )
        .group_by(ParentMessage.student_id)
    ).all()
    return {student_id: int(count) for student_id, count in rows}


def counts_of_class(cls: SchoolClass) -> dict[int, tuple[int, int]]:
    """{student id: (messages sent, messages read by the family)} for the class."""
    rows = db.session.execute(
        select(ParentMessage.student_id, func.count(), func.count(ParentMessage.read_at))
        .where(ParentMessage.class_id == cls.id)
        .group_by(ParentMessage.student_id)
    ).all()
    return {student_id: (int(sent), int(read)) for student_id, sent, read in rows}


# ---------------------------------------------------------------------------- the family's side


def for_family(principal: ParentPrincipal) -> list[ParentMessage]:
    """The messages to the principal's own student (this link's class), newest first."""
    return list(
        db.session.scalars(
            select(ParentMessage)
            .where(ParentMessage.student_id == principal.student_id, ParentMessage.class_id == principal.class_id)
            .order_by(ParentMessage.id.desc())
        )
    )


def own_message(principal: ParentPrincipal, message_id: int) -> ParentMessage | None:
    """One of for_family(principal), or None (the view answers the plain 404)."""
    message = db.session.get(ParentMessage, message_id)
    if message is None or message.student_id != principal.student_id or message.class_id != principal.class_id:
        return None
    return message


def mark_read(principal: ParentPrincipal, messages: list[ParentMessage], now: datetime) -> int:
    """The read receipt: the first time a guardian of the family saw each message."""
    fresh = [m for m in messages if m.read_at is None and m.student_id == principal.student_id]
    for message in fresh:
        message.read_at = now
        message.read_by_guardian_id = principal.guardian_id
    if fresh:
        db.session.flush()
    return len(fresh)


def reply(principal: ParentPrincipal, message: ParentMessage, text: str | None) -> ParentMessage:
    """The family's one answer to a message."""
    if message.student_id != principal.student_id or message.class_id != principal.class_id:
        raise DomainError("Không tìm thấy trang hoặc dữ liệu bạn yêu cầu.", 404)
    answer = _checked_text(text, REPLY_MAX, empty="Hãy viết lời trả lời.", name="Lời trả lời")
    if message.replied_at is not None:
        raise DomainError("Gia đình đã trả lời tin nhắn này.", 409)
    now = utcnow()
    message.read_at = message.read_at or now
    message.read_by_guardian_id = message.read_by_guardian_id or principal.guardian_id
    message.reply = answer
    message.replied_at = now
    message.replied_by_guardian_id = principal.guardian_id
    db.session.flush()
    audit.record(
        None,
        "parent_message.replied",
        message,
        changes={"link_id": [None, principal.link_id], "reply": [None, audit.personal_digest(answer)],
                 "length": [None, len(answer)]},
        role=PARENT_ROLE,
    )  # fmt: skip
    return message


def class_student(cls: SchoolClass, student_id: int) -> Student:
    """A student enrolled in the class, or 404 (another class's student looks missing)."""
    student = db.session.get(Student, student_id)
    if student is None or student.id not in {s.id for s in queries.roster(cls)}:
        not_found("student", student_id)
    return student
