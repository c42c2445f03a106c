"""R21: a guardian's consent to electronic delivery — read and written here (links need it).

The newest GuardianConsent row of a guardian is the state: none recorded (the parent is
asked on the link's page, with an unticked box, before any report is shown), given, or
withdrawn. The school records it (GVCN or BGH, with the date and the source, e.g. "phiếu
giấy có chữ ký"); the parent gives it or withdraws it on the link's page. A withdrawal, by
either side, revokes every usable link of the guardian at once, and no link is issued to
the guardian again before a new consent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.core.errors import DomainError
from app.core.models import utcnow
from app.core.vn import LOCAL_TZ, nfc
from app.extensions import db
from app.parents.models import GuardianConsent, ParentLink
from app.school.models import Guardian

PARENT_ROLE = "phu_huynh"
SOURCE_MAX = 200
ACTION_LABELS = {
    "guardian_consent.given": "Ghi nhận đồng ý nhận sổ liên lạc điện tử",
    "guardian_consent.withdrawn": "Rút lại đồng ý nhận sổ liên lạc điện tử",
}
CHANNEL_LABELS = {"school": "Nhà trường ghi nhận", "parent_link": "Phụ huynh chọn trên đường dẫn"}
WITHDRAWN_MESSAGE = (
    "Phụ huynh {name} đã rút lại đồng ý nhận sổ liên lạc điện tử: không cấp được đường dẫn "
    "cho đến khi nhà trường ghi nhận lại sự đồng ý của phụ huynh."
)
PARENT_SOURCE = "Phụ huynh đánh dấu đồng ý trên trang đường dẫn riêng"
PARENT_WITHDRAW_SOURCE = "Phụ huynh rút lại đồng ý trên trang đường dẫn riêng"
NEEDED_MESSAGE = "Vui lòng đánh dấu ô đồng ý nhận sổ liên lạc điện tử để xem báo liên lạc."


# ---------------------------------------------------------------------------- reads


def current(guardian_id: int) -> GuardianConsent | None:
    """The guardian's newest consent record (None: nothing recorded yet)."""
    return db.session.scalars(
        select(GuardianConsent).where(GuardianConsent.guardian_id == guardian_id).order_by(GuardianConsent.id.desc())
    ).first()


def current_of(guardian_ids: Iterable[int]) -> dict[int, GuardianConsent]:
    """{guardian id: its newest consent record} in one query (the class page)."""
    ids = list(guardian_ids)
    if not ids:
        return {}
    rows = db.session.scalars(
        select(GuardianConsent).where(GuardianConsent.guardian_id.in_(ids)).order_by(GuardianConsent.id)
    ).all()
    return {row.guardian_id: row for row in rows}


def history(guardian_id: int) -> list[GuardianConsent]:
    return list(
        db.session.scalars(
            select(GuardianConsent).where(GuardianConsent.guardian_id == guardian_id).order_by(GuardianConsent.id)
        ).all()
    )


def is_withdrawn(guardian_id: int) -> bool:
    found = current(guardian_id)
    return found is not None and not found.given


def needs_consent(guardian_id: int) -> bool:
    """The parent must tick the box before any report is shown: nothing recorded yet."""
    return current(guardian_id) is None


def withheld(guardians: Iterable[Guardian]) -> list[Guardian]:
    """The guardians whose consent is withdrawn (no link may be issued to them)."""
    items = list(guardians)
    states = current_of(g.id for g in items)
    return [g for g in items if g.id in states and not states[g.id].given]


def require_delivery(guardian: Guardian) -> None:
    """Refuse a new link to a guardian who withdrew consent (422, a Vietnamese sentence)."""
    if is_withdrawn(guardian.id):
        raise DomainError(WITHDRAWN_MESSAGE.format(name=guardian.full_name), 422)


# ---------------------------------------------------------------------------- writes


def record(
    actor: User | None,
    guardian: Guardian,
    *,
    given: bool,
    decided_on: date | None,
    source: str,
    channel: str = "school",
    link_id: int | None = None,
) -> GuardianConsent:
    """Record consent given or withdrawn; a withdrawal revokes the guardian's links at once."""
    text = nfc(source or "").strip()
    if channel == "school" and not text:
        raise DomainError("Hãy ghi nguồn của sự đồng ý (ví dụ: phiếu giấy có chữ ký của phụ huynh).", 422)
    if len(text) > SOURCE_MAX:
        raise DomainError(f"Nguồn ghi nhận tối đa {SOURCE_MAX} ký tự.", 422)
    if decided_on is None:
        raise DomainError("Hãy nhập ngày phụ huynh đồng ý/rút lại (ngày/tháng/năm).", 422)
    if decided_on > utcnow().astimezone(LOCAL_TZ).date():
        raise DomainError("Ngày đồng ý/rút lại không được sau ngày hôm nay.", 422)
    found = current(guardian.id)
    if found is not None and found.given == given:
        state = "đã đồng ý" if given else "đã rút lại đồng ý"
        raise DomainError(f"Phụ huynh {guardian.full_name} hiện {state}; không cần ghi nhận lại.", 409)
    row = GuardianConsent(
        guardian_id=guardian.id,
        student_id=guardian.student_id,
        state="given" if given else "withdrawn",
        channel=channel,
        source=text,
        decided_on=decided_on,
        recorded_by_id=actor.id if actor is not None else None,
        link_id=link_id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "guardian_consent.given" if given else "guardian_consent.withdrawn",
        row,
        changes={"guardian_id": [None, guardian.id], "state": [None, row.state], "channel": [None, channel],
                 "decided_on": [None, decided_on.isoformat()], "source": [None, text]},
        role=PARENT_ROLE if actor is None else None,
    )  # fmt: skip
    if not given:
        revoke_all(actor, guardian.id, reason="consent_withdrawn")
    return row


def revoke_all(actor: User | None, guardian_id: int, reason: str) -> int:
    """Revoke every unrevoked link of the guardian now (withdrawal, erasure); how many."""
    now = utcnow()
    rows = db.session.scalars(
        select(ParentLink).where(ParentLink.guardian_id == guardian_id, ParentLink.revoked_at.is_(None))
    ).all()
    for link in rows:
        link.revoked_at = now
        link.revoked_by_id = actor.id if actor is not None else None
        db.session.flush()
        audit.record(
            actor,
            "parent_link.revoked",
            link,
            changes={"revoked_at": [None, now.isoformat()]},
            comment=reason,
            role=PARENT_ROLE if actor is None else None,
        )
    return len(rows)


def refusal(link: ParentLink, ticked: bool) -> str | None:
    """The landing page's POST: with nothing recorded, the report stays closed until the
    parent ticks the box (returns the sentence to show); writes nothing."""
    if ticked or not needs_consent(link.guardian_id):
        return None
    return NEEDED_MESSAGE


def record_on_open(link: ParentLink, now: datetime) -> None:
    """After a successful open (second factor passed): the parent's tick is the consent."""
    if needs_consent(link.guardian_id):
        record(None, link.guardian, given=True, decided_on=now.astimezone(LOCAL_TZ).date(), source=PARENT_SOURCE,
               channel="parent_link", link_id=link.id)  # fmt: skip


def withdraw_by_parent(link: ParentLink, now: datetime) -> None:
    record(None, link.guardian, given=False, decided_on=now.astimezone(LOCAL_TZ).date(),
           source=PARENT_WITHDRAW_SOURCE, channel="parent_link", link_id=link.id)  # fmt: skip
