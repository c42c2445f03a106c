"""Issuing one document: snapshots → the builder's dataclass → PDF → file → row → audit.

Invariants:
- drawn only from current (non-superseded) snapshots of approved closes — the loaders
  in `queries` offer nothing else;
- one document per (kind, snapshot set): `source_key` is unique, so issuing the same
  set again returns the existing row (no new file, no new audit event);
- the file is complete on disk (temp → fsync → rename) before its row is inserted;
- a document drawn from a newer snapshot version replaces the valid one of its slot:
  the old row becomes `superseded` (pointing at the new one) and the new one's stamp
  prints "Bản này thay thế bản <old code>".
"""

from __future__ import annotations

import dataclasses
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from flask import current_app
from sqlalchemy import bindparam, insert, update

from app.accounts.models import User
from app.audit import services as audit
from app.audit.services import canonical_json
from app.core.authz import deny, not_found
from app.core.database import lock_for_update
from app.core.models import utcnow
from app.extensions import db
from app.reports import documents, pdf, policy, queries
from app.reports.models import KIND_LABELS, IssuedDocument
from app.reports.services import store
from app.reports.services.identity import SchoolFacts, identity_of
from app.results.models import ResultSnapshot
from app.school.models import Enrollment, SchoolClass, Student

#: no 0/O, 1/I/L: a code read aloud or typed from paper is unambiguous
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: serialises issuing across processes (PostgreSQL advisory lock; SQLite's write lock)
ISSUE_LOCK_KEY = 0x5EB0_0010
#: a batch's recording statements (`record`), built once: the row, the superseded one
_DOCS = IssuedDocument.metadata.tables[IssuedDocument.__tablename__]
_INSERT_ROW = insert(_DOCS).returning(_DOCS.c.id)
_SUPERSEDE = (
    update(_DOCS)
    .where(_DOCS.c.id == bindparam("old_id"))
    .values(status="superseded", superseded_by_id=bindparam("new_id"))
)


def verify_url(code: str) -> str:
    """<SODIENTU_PUBLIC_URL>/verify/<code>: what the document's QR code and footer carry."""
    base = str(current_app.config.get("SODIENTU_PUBLIC_URL") or "").rstrip("/")
    return f"{base}/verify/{code}"


def source_key(kind: str, snapshots: Sequence[ResultSnapshot]) -> str:
    text = kind + "|" + "|".join(f"{s.id}:{s.sha256}" for s in snapshots)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Draft:
    """What a document is before it is issued: its builder input and where it belongs."""

    kind: str
    school_class: SchoolClass
    student: Student | None
    period: str
    period_ref: str
    snapshots: list[ResultSnapshot]
    identity: dict[str, Any] | None = None

    @property
    def slot(self) -> str:
        if self.kind == "hoc_ba":
            return f"hoc_ba:{self.student.id if self.student else 0}"
        who = f"s{self.student.id}" if self.student else "lop"
        return f"{self.kind}:{who}:c{self.school_class.id}:{self.period}:{self.period_ref}"

    def document(self) -> documents.ReportCard | documents.HocBa | documents.ClassBook:
        payloads = [s.data for s in self.snapshots]
        if self.kind == "bao_lien_lac":
            return documents.report_card(payloads[0])
        if self.kind == "hoc_ba":
            return documents.hoc_ba(self.identity or {}, with_term_learning(payloads))
        return documents.class_book(payloads)

    def file_name(self) -> str:
        label = KIND_LABELS[self.kind]
        ref = self.period_ref or self.period.upper()
        if self.student is not None:
            return f"{label} {ref} {self.school_class.name} {self.student.full_name}.pdf"
        return f"{label} {ref} lớp {self.school_class.name}.pdf"


def with_term_learning(payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The học bạ's years (cả năm / sau hè payloads), each with its terms' học tập taken from
    the HK I / HK II snapshots among the sources."""
    terms = {(p["year"]["id"], p["kind"]): p.get("learning") for p in payloads if p.get("kind") in ("hk1", "hk2")}
    years = [p for p in payloads if p.get("kind") in ("cn", "he")]
    return [
        {
            **y,
            "learning_by_term": {
                k: terms[(y["year"]["id"], k)] for k in ("hk1", "hk2") if terms.get((y["year"]["id"], k))
            },
        }
        for y in years
    ]


def report_card_draft(cls: SchoolClass, snapshot: ResultSnapshot) -> Draft:
    return Draft("bao_lien_lac", cls, snapshot.student, snapshot.period, snapshot.period_ref, [snapshot])


def hoc_ba_draft(
    cls: SchoolClass,
    student: Student,
    loaded: tuple[list[ResultSnapshot], list[ResultSnapshot]] | None = None,
    shared: SchoolFacts | None = None,
    history: Sequence[Enrollment] | None = None,
) -> Draft | None:
    """`loaded`: the student's yearly and term snapshots read for a whole chunk of a batch
    (`queries.hoc_ba_snapshots_of`, `term_snapshots_of_students`), `history` their
    enrollments (`school.queries.enrollment_histories`); else read here."""
    snaps = loaded[0] if loaded else queries.hoc_ba_snapshots(student.id)
    if not snaps:
        return None
    years = {s.year_id for s in snaps}
    if loaded:
        terms = [t for t in loaded[1] if t.year_id in years]
    else:
        terms = queries.term_snapshots_of_years(student.id, sorted(years))
    return Draft("hoc_ba", cls, student, snaps[-1].period, "", snaps + terms, identity_of(student, shared, history))


def class_book_draft(cls: SchoolClass, period: queries.Period) -> Draft | None:
    snaps = queries.current_snapshots(cls.id, period.period, period.period_ref)
    return Draft("so_theo_doi", cls, None, period.period, period.period_ref, snaps) if snaps else None


@dataclass(frozen=True)
class Facts:
    """What recording a draft needs, as plain values (no ORM objects): a batch reads and
    draws a chunk of drafts in one read-only transaction and records each afterwards."""

    kind: str
    class_id: int
    year_id: int
    homeroom_teacher_id: int | None
    student_id: int | None
    period: str
    period_ref: str
    slot: str
    key: str
    sources: tuple[tuple[int, str], ...]
    identity: str | None
    file_name: str


def facts_of(draft: Draft) -> Facts:
    cls = draft.school_class
    return Facts(
        kind=draft.kind,
        class_id=cls.id,
        year_id=cls.year_id,
        homeroom_teacher_id=cls.homeroom_teacher_id,
        student_id=draft.student.id if draft.student else None,
        period=draft.period,
        period_ref=draft.period_ref,
        slot=draft.slot,
        key=source_key(draft.kind, draft.snapshots),
        sources=tuple((s.id, s.sha256) for s in draft.snapshots),
        identity=canonical_json(draft.identity) if draft.identity is not None else None,
        file_name=draft.file_name(),
    )


@dataclass(frozen=True)
class Drawn:
    """A document drawn and stored, not yet recorded: plain values (no ORM objects), so a
    batch can draw outside its write transaction and record it in a short one."""

    key: str
    stamp: documents.Stamp
    sha256: str
    size: int
    facts: Facts | None = None
    #: the visible signature boxes of the drawn pages (IssuedDocument.signature_boxes)
    boxes: list[dict[str, Any]] | None = None


class PartlyDrawn(Exception):
    """Drawing one of the drafts failed: `drawn` holds those before it (stored), `cause` why."""

    def __init__(self, drawn: list[Drawn | None], cause: BaseException) -> None:
        super().__init__(str(cause))
        self.drawn, self.cause = drawn, cause


def new_codes(count: int) -> list[str]:
    """`count` distinct verification codes no document holds (one statement, bar a collision)."""
    while True:
        codes: set[str] = set()
        while len(codes) < count:
            raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
            codes.add(f"{raw[:4]}-{raw[4:]}")
        if not queries.codes_taken(sorted(codes)):
            return sorted(codes)


def draw_many(actor: User, drafts: Sequence[Draft]) -> list[Drawn | None]:
    """Draw each draft's document and store its file (no row yet), the lookups done once for
    all of them; None for a draft whose document of the same snapshots exists already."""
    if not drafts:
        return []
    all_facts = [facts_of(d) for d in drafts]
    issued = queries.issued_source_keys([f.key for f in all_facts])
    previous = queries.valid_codes_in_slots(sorted({f.slot for f in all_facts}))
    codes = iter(new_codes(len(drafts)))
    head_seq, head_hash = audit.head()
    drawn: list[_Rendered | None] = []
    for draft, facts in zip(drafts, all_facts, strict=True):
        if facts.key in issued:
            drawn.append(None)
            continue
        code = next(codes)
        stamp = documents.Stamp(
            code=code,
            issued_at=utcnow(),
            issued_by=actor.full_name,
            supersedes=previous.get(facts.slot),
            verify_url=verify_url(code),
            audit_seq=head_seq,
            audit_hash=head_hash,
        )
        try:
            data, boxes = pdf.render_with_boxes(draft.document(), stamp)
        except Exception as exc:
            raise PartlyDrawn(_stored(drawn), exc) from exc
        drawn.append(_Rendered(data, stamp, facts, [dataclasses.asdict(b) for b in boxes]))
    return _stored(drawn)


class _Rendered(NamedTuple):
    """A document drawn in memory, its file not stored yet."""

    data: bytes
    stamp: documents.Stamp
    facts: Facts
    boxes: list[dict[str, Any]]


def _stored(drawn: Sequence[_Rendered | None]) -> list[Drawn | None]:
    """The drawn documents' files stored together (complete on disk before any row exists)."""
    shas = iter(store.write_many([d.data for d in drawn if d is not None]))
    return [
        None if d is None else Drawn(d.facts.key, d.stamp, next(shas), len(d.data), d.facts, d.boxes) for d in drawn
    ]


def draw(actor: User, draft: Draft) -> Drawn | None:
    """Draw the draft's document and store its file (no row yet); None when a document of
    the same snapshots exists already."""
    return draw_many(actor, [draft])[0]


def issue(actor: User, draft: Draft, drawn: Drawn | None = None) -> IssuedDocument:
    """Issue the draft's document, or return the one already issued from the same snapshots.

    `drawn`: the same draft drawn earlier outside the write lock (a batch); it is used when
    nothing changed in between (same snapshots, same document to supersede), else drawn again."""
    if not policy.can_issue_for_class(actor, draft.school_class.homeroom_teacher_id):
        deny("report.issue", "class", draft.school_class.id)
    key = source_key(draft.kind, draft.snapshots)
    lock_for_update(db.session, ISSUE_LOCK_KEY)
    existing = queries.document_by_source(draft.kind, key)
    if existing is not None:
        return existing
    previous = queries.valid_in_slot(draft.slot)
    still = drawn is not None and drawn.key == key and drawn.stamp.supersedes == (previous.code if previous else None)
    if not still or drawn is None or queries.code_taken(drawn.stamp.code):
        drawn = draw(actor, draft)
        assert drawn is not None  # no document of this key: checked under the lock above
    return _insert(actor, drawn.facts or facts_of(draft), drawn, previous)


def record(actor: User, drawn: Drawn) -> int | None:
    """Record a document a batch drew earlier, from its plain facts (no draft rebuilt), if
    nothing changed since: its snapshots still current, no document of the same sources,
    the same one to supersede, its code free. The new row's id; None when something did
    (the caller issues the item the long way, `issue`, which draws again).

    The hot path of a batch: plain Core statements (the row, the superseded one, the audit
    event through `audit.append`), no ORM object."""
    facts = drawn.facts
    assert facts is not None
    if not policy.can_issue_for_class(actor, facts.homeroom_teacher_id):
        deny("report.issue", "class", facts.class_id)
    lock_for_update(db.session, ISSUE_LOCK_KEY)
    code = drawn.stamp.code
    found = queries.record_conflicts([i for i, _ in facts.sources], facts.kind, facts.key, facts.slot, code)
    if found is None or any(d.code == code or (d.kind, d.source_key) == (facts.kind, facts.key) for d in found):
        return None
    previous = next((d for d in found if d.slot == facts.slot and d.status == "valid"), None)
    if (previous.code if previous else None) != drawn.stamp.supersedes:
        return None
    row = _row(actor, facts, drawn)
    doc_id = int(db.session.execute(_INSERT_ROW, row).scalar_one())
    if previous is not None:
        db.session.execute(_SUPERSEDE, {"old_id": previous.id, "new_id": doc_id})
    audit.append(actor, "report.issued", (IssuedDocument.__audit_type__, str(doc_id)), changes=_changes(row),
                 file_sha256=row["sha256"])  # fmt: skip
    return doc_id


def _row(actor: User, facts: Facts, drawn: Drawn) -> dict[str, Any]:
    """The column values of a document whose file is stored."""
    stamp, identity = drawn.stamp, facts.identity
    return {
        "kind": facts.kind,
        "student_id": facts.student_id,
        "class_id": facts.class_id,
        "year_id": facts.year_id,
        "period": facts.period,
        "period_ref": facts.period_ref,
        "slot": facts.slot,
        "source_key": facts.key,
        "sources": [{"id": i, "sha256": h} for i, h in facts.sources],
        "identity": identity,
        "identity_sha256": hashlib.sha256(identity.encode()).hexdigest() if identity else None,
        "file_name": facts.file_name,
        "sha256": drawn.sha256,
        "size": drawn.size,
        "signature_boxes": drawn.boxes,
        "code": stamp.code,
        "status": "valid",
        "supersedes_code": stamp.supersedes,
        "issued_by_id": actor.id,
        "issued_at": stamp.issued_at,
    }


def _changes(row: dict[str, Any]) -> dict[str, Any]:
    """The `report.issued` event's changes."""
    return {"kind": row["kind"], "code": row["code"], "snapshots": row["sources"],
            "identity_sha256": row["identity_sha256"], "supersedes": row["supersedes_code"]}  # fmt: skip


def _insert(actor: User, facts: Facts, drawn: Drawn, previous: IssuedDocument | None) -> IssuedDocument:
    """The row of a document whose file is stored, the one it supersedes, the audit event
    (ORM objects: the single-document path, whose callers use the row)."""
    row = _row(actor, facts, drawn)
    doc = IssuedDocument(**row)
    db.session.add(doc)
    db.session.flush()
    if previous is not None:
        previous.status = "superseded"
        previous.superseded_by_id = doc.id
    audit.record(actor, "report.issued", doc, changes=_changes(row), file_sha256=row["sha256"])
    return doc


def record_preview(actor: User, draft: Draft) -> None:
    """A preview is a read of the student's results: in the audit trail (issue 10 §3)."""
    audit.record(
        actor,
        "report.previewed",
        draft.student or draft.school_class,
        changes={"kind": draft.kind, "class_id": draft.school_class.id, "period": draft.period,
                 "period_ref": draft.period_ref, "snapshots": [s.id for s in draft.snapshots]},
    )  # fmt: skip


def record_download(actor: User, document: IssuedDocument) -> None:
    audit.record(actor, "report.downloaded", document, changes={"code": document.code}, file_sha256=document.sha256)


def draft_for(cls: SchoolClass, student: Student, period: queries.Period, kind: str) -> Draft:
    """One student's document of the period (404 when nothing approved can be drawn)."""
    if kind == "hoc_ba":
        draft = hoc_ba_draft(cls, student)
        if draft is None:
            not_found("hoc_ba", student.id)
        return draft
    return report_card_draft(cls, queries.student_snapshot(cls, student.id, period))


def book_draft_for(cls: SchoolClass, period: queries.Period) -> Draft:
    draft = class_book_draft(cls, period)
    if draft is None:
        not_found("class_book", f"{cls.id}:{period.key}")
    return draft
