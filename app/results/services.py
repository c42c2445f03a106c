"""Closing a class's results of a period, and keeping its snapshots current (flush, never
commit; the caller's unit of work commits).

States: the close IS a records record of type KET_QUA_LOP linked to (class, period) —
draft → submitted (the GVCN, once the checklist is complete; the class document goes in as
its file) → approved (the hiệu trưởng, or a phó hiệu trưởng when the school delegates) |
returned (with a comment; the GVCN fixes and submits again). Every move is records' own,
audited as for a grade book (the decision binds to the sha256 of the document, R15).

Invariants:
- approval writes, in the same transaction (`on_record_approved`, subscribed to
  `core.signals.linked_record_approved`), exactly one snapshot per student of the class
  and period, each the canonical JSON of that student's values with its sha256 — and only
  if the class, read again, still hashes to the document that was submitted (otherwise
  409: something changed in between; the close must be returned and submitted again);
- one `result.closed` event for the close (a bulk write: one summary event);
- snapshots never change (app.results.models); an applied correction of a value of a
  closed period (`on_assessment_corrected`, subscribed to `core.signals.
  assessment_corrected`) writes the next version for that student — recomputed from the
  data as corrected, with the settings and names frozen in the version it supersedes,
  counting its corrections (R16) — and a supersession row; one `result.snapshot_revised`
  event per new version;
- while a close is submitted or approved the GVCN's data it covers is read-only
  (app.homeroom.locking), and its grade books are approved, hence locked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

from app.audit import services as audit
from app.core.authz import deny
from app.core.database import lock_for_update
from app.core.errors import ConflictError, DomainError
from app.core.models import utcnow
from app.core.workflow import State
from app.extensions import db
from app.records import services as records
from app.records.models import Record
from app.records.services import BAO_CAO_THANG, KET_QUA_LOP, RecordError
from app.results import checklist as checklist_mod
from app.results import month as month_mod
from app.results import policy, queries, snapshots
from app.results.models import MonthPublication, ResultSnapshot, SnapshotSupersession
from app.school.models import SchoolClass

if TYPE_CHECKING:
    from app.accounts.models import User

#: the Vietnamese label of every audit action this package writes (registered with audit)
ACTION_LABELS = {
    "result.close_submitted": "Nộp chốt kết quả của lớp",
    "result.closed": "Chốt kết quả: lưu bản kết quả của từng học sinh",
    "result.snapshot_revised": "Lưu phiên bản mới của kết quả đã chốt (sau điều chỉnh)",
    "result.month_published": "Công bố báo cáo tháng của lớp",
    "result.month_submitted": "Gửi báo cáo tháng chờ Ban giám hiệu duyệt",
    "result.month_returned": "Trả lại báo cáo tháng cho giáo viên chủ nhiệm",
}
#: what the BGH's live feed shows
FEED_ACTIONS = ("result.closed", "result.snapshot_revised", "result.month_published")


class CloseError(DomainError):
    """422: the close cannot be submitted as it is; the message says what to do."""


def document_file(cls: SchoolClass, period: str, document: dict[str, Any]) -> tuple[str, bytes]:
    return f"ket-qua-{cls.name}-{period}.json", snapshots.canonical(document).encode("utf-8")


def submit_close(
    actor: User, cls: SchoolClass, period: str, *, attendance_confirmed: bool, note: str | None = None
) -> Record:
    """The GVCN sends the class's results of `period` for approval (checklist complete)."""
    if not policy.can_submit_close(actor, cls.homeroom_teacher_id):
        deny("result.submit", "class", cls.id)
    found = checklist_mod.build(cls, period)
    if not found.open_for_submission:
        raise ConflictError(f"Kết quả {found.text} của lớp {cls.name} đã được nộp hoặc đã được duyệt.")
    blockers = found.blockers()
    if blockers:
        first = " ".join(b.text for b in blockers[:3])
        more = f" (còn {len(blockers) - 3} việc khác)" if len(blockers) > 3 else ""
        raise CloseError(f"Chưa nộp được: {first}{more}")
    if not attendance_confirmed:
        raise CloseError("Hãy xác nhận đã điểm danh đầy đủ (ghi đủ các buổi nghỉ) trước khi nộp.")
    document = snapshots.class_document(found.data)
    name, data = document_file(cls, period, document)
    term = next((t for t in found.data.terms if period == f"hk{t.number}"), None)
    try:
        record = records.submit_class_linked(
            actor,
            type_code=KET_QUA_LOP,
            class_id=cls.id,
            period=period,
            term_id=term.id if term else None,
            title=f"Kết quả {found.text} lớp {cls.name} năm học {cls.year.name}",
            files=[(name, data)],
            note=note,
            delegate_principal=queries.delegation_allowed(queries.the_school()),
        )
    except RecordError as exc:
        raise CloseError(str(exc)) from None
    audit.record(
        actor,
        "result.close_submitted",
        record,
        changes={
            "class_id": cls.id,
            "period": period,
            "students": len(document["students"]),
            "document_sha256": snapshots.digest(data.decode("utf-8")),
            "attendance_confirmed": True,
        },
        comment=note,
    )
    return record


def approve_close(actor: User, record: Record, *, seen_version: int | None, comment: str | None = None) -> Record:
    """The hiệu trưởng's approval; the snapshots are written by `on_record_approved`."""
    return records.approve_record(actor, record, seen_version=seen_version, comment=comment)


def return_close(actor: User, record: Record, *, seen_version: int | None, comment: str | None) -> Record:
    return records.return_record(actor, record, seen_version=seen_version, comment=comment)


# ---------------------------------------------------------------------------- writing snapshots


def _insert(rows: list[dict[str, Any]]) -> None:
    if rows:
        db.session.execute(insert(ResultSnapshot), rows)


def _row(
    data: snapshots.ClassData,
    body: dict[str, Any],
    payload: dict[str, Any],
    version: int,
    record_id: int | None,
    actor: User,
) -> dict[str, Any]:
    text = snapshots.canonical(payload)
    fixes = body["corrections"]
    return {
        "student_id": body["student"]["id"],
        "class_id": data.school_class.id,
        "year_id": data.school_class.year_id,
        "period": data.period,
        "period_ref": "",
        "version": version,
        "record_id": record_id,
        "corrections_count": fixes["count"],
        "corrections_subjects": fixes["subjects"],
        "payload": text,
        "sha256": snapshots.digest(text),
        "created_at": utcnow(),
        "created_by_id": actor.id,
    }


def on_record_approved(_sender: Any, *, record: Record, actor: User, **_: Any) -> None:
    """linked_record_approved: the final approval of a close writes its snapshots."""
    if record.record_type.code != KET_QUA_LOP:
        return
    period = queries.period_of(record)
    cls = record.school_class
    if period is None or cls is None:
        return
    write_close(actor, record, cls, period)


def write_close(actor: User, record: Record, cls: SchoolClass, period: str) -> int:
    """One snapshot per student of the class for `period`; returns how many."""
    if queries.snapshot_count(cls.id, period):
        raise ConflictError(f"Kết quả {queries.PERIOD_TEXT[period]} của lớp {cls.name} đã được chốt.")
    data = snapshots.gather(cls, period)
    document = snapshots.class_document(data)
    text = snapshots.canonical(document)
    version = record.current_version
    submitted = version.files[0].sha256 if version and version.files else None
    if snapshots.digest(text) != submitted:
        raise ConflictError(
            f"Dữ liệu của lớp {cls.name} đã thay đổi sau khi giáo viên chủ nhiệm nộp (ví dụ một điểm vừa được "
            "điều chỉnh, hoặc cài đặt của trường vừa đổi), nên không thể chốt đúng bản đã nộp. "
            "Hãy trả lại để giáo viên chủ nhiệm kiểm tra và nộp lại."
        )
    close = {
        "record_id": record.id,
        "record_version": version.number if version else None,
        "document_sha256": submitted,
        "approved_by": actor.full_name,
        "approved_at": utcnow(),
    }
    rows = [
        _row(data, body, snapshots.snapshot_payload(data.header, body, close), 1, record.id, actor)
        for body in document["students"]
    ]
    _insert(rows)
    audit.record(
        actor,
        "result.closed",
        record,
        changes={"class_id": cls.id, "period": period, "snapshots": len(rows), "document_sha256": submitted},
    )
    return len(rows)


PERIODS_OF_SCOPE = {"summer": ("he",)}


def on_assessment_corrected(
    _sender: Any,
    *,
    actor: User,
    class_id: int,
    student_id: int,
    scope: str,
    term_number: int | None,
    source: str,
    correction_id: int,
    **_: Any,
) -> None:
    """assessment_corrected: every closed period the corrected value belongs to gets a new
    snapshot version for the student."""
    cls = db.session.get(SchoolClass, class_id)
    if cls is None:
        return
    periods = PERIODS_OF_SCOPE.get(scope) or ((f"hk{term_number}",) if term_number else ()) + ("cn", "he")
    cause = f"{'score' if source == 'score' else 'homeroom'}_correction:{correction_id}"
    for period in periods:
        current = queries.current_snapshots(cls.id, period, [student_id])
        if current:
            revise(actor, cls, period, current[0], cause)


def revise(actor: User, cls: SchoolClass, period: str, old: ResultSnapshot, cause: str) -> ResultSnapshot:
    """The next version of `old`, from the data as it is now, with the settings and names
    frozen in `old`; `old` is marked superseded by it."""
    previous = old.data
    header = {k: previous[k] for k in snapshots.HEADER_KEYS}
    data = snapshots.gather(cls, period, header=header)
    line = data.line(old.student_id)
    if line is None:
        raise ConflictError("Học sinh không còn trong danh sách lớp; không thể lưu phiên bản mới của kết quả.")
    body = snapshots.student_body(data, line)
    revision = {"version": old.version + 1, "cause": cause, "by": actor.full_name, "at": utcnow()}
    payload = snapshots.snapshot_payload(header, body, previous["close"], revision)
    new = ResultSnapshot(**_row(data, body, payload, old.version + 1, old.record_id, actor))
    db.session.add(new)
    db.session.flush()
    db.session.add(SnapshotSupersession(snapshot_id=old.id, superseded_by_id=new.id, cause=cause, actor_id=actor.id))
    db.session.flush()
    audit.record(
        actor,
        "result.snapshot_revised",
        new,
        changes={
            "student_id": old.student_id,
            "class_id": cls.id,
            "period": period,
            "version": [old.version, new.version],
            "sha256": [old.sha256, new.sha256],
            "corrections_count": [old.corrections_count, new.corrections_count],
            "superseded_id": old.id,
            "cause": cause,
        },
    )
    return new


# ---------------------------------------------------------------------------- monthly reports
#
# A month goes out in rounds (MonthPublication). Publishing reads the class's month
# (app.results.month), compares every student's values with the month's current snapshot
# and, when at least one differs (or none exists), opens round n+1 — written at once, or,
# when the school requires it, submitted to the BGH as a records record of type
# bao_cao_thang whose final approval writes it (`on_month_approved`, in the approval's
# transaction, only if the class still hashes to the submitted document). Writing a round
# inserts version 1 for a student without a snapshot of the month and version n+1 for a
# student whose values changed (the old one superseded, cause "month_republished"); the
# students whose values did not change keep their version. A publication that changes
# nothing writes nothing (a double click is a no-op); one serialised per (class, month).

MONTH_REPUBLISHED = "month_republished"


@dataclass
class MonthOutcome:
    round: MonthPublication | None
    written: int = 0
    waiting: bool = False  # sent to the BGH, not published yet
    unchanged: bool = False  # nothing new since the last round: nothing done


def _lock_key(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def _month_file(cls: SchoolClass, month: month_mod.Month, document: dict[str, Any]) -> tuple[str, bytes]:
    return f"bao-cao-thang-{cls.name}-{month.ref}.json", snapshots.canonical(document).encode("utf-8")


def _changes(
    data: month_mod.MonthData, current: list[ResultSnapshot]
) -> list[tuple[dict[str, Any], ResultSnapshot | None]]:
    """(body, the snapshot it replaces or None) of every student whose month says
    something new."""
    by_student = {s.student_id: s for s in current}
    out = []
    for student in data.students:
        body = month_mod.student_body(data, student)
        old = by_student.get(student.id)
        fresh = snapshots.snapshot_payload(data.header, body, {})
        if old is None or month_mod.comparable(fresh) != month_mod.comparable(old.data):
            out.append((body, old))
    return out


def publish_month(actor: User, cls: SchoolClass, ref: str, note: str | None, today: date) -> MonthOutcome:
    """The GVCN publishes the class's month `ref` ("2024-10") with a note for the parents."""
    if not policy.can_publish_month(actor, cls.homeroom_teacher_id):
        deny("result.month_publish", "class", cls.id)
    month = month_mod.month_of(cls.year, ref, today)
    text = month_mod.clean_note(note)
    lock_for_update(db.session, _lock_key(f"result_month:{cls.id}:{month.ref}"))
    rounds = queries.month_rounds(cls.id, month.ref)
    last = rounds[-1] if rounds else None
    record = queries.month_records([last]).get(last.record_id or 0) if last else None
    data = month_mod.gather(cls, month, text)
    document = month_mod.class_document(data)
    sha = month_mod.document_sha256(document)
    if last is not None and last.published_at is None and record is not None and record.state == State.SUBMITTED:
        if last.document_sha256 == sha:
            return MonthOutcome(last, waiting=True, unchanged=True)  # the same request again
        raise ConflictError(
            f"Báo cáo {month.text} của lớp {cls.name} đang chờ Ban giám hiệu duyệt. "
            "Chờ duyệt xong (hoặc bị trả lại) rồi mới gửi bản mới."
        )
    changes = _changes(data, queries.current_month_snapshots(cls.id, month.ref))
    if not changes:
        return MonthOutcome(last, unchanged=True)
    if last is not None and last.published_at is None:  # a returned round is sent again
        this = last
        this.note, this.document_sha256 = text, sha
    else:
        this = MonthPublication(
            class_id=cls.id,
            year_id=cls.year_id,
            month=month.ref,
            number=(last.number + 1) if last else 1,
            note=text,
            document_sha256=sha,
            created_by_id=actor.id,
            created_at=utcnow(),
        )
        db.session.add(this)
    db.session.flush()
    if queries.month_approval_required(queries.the_school()):
        _submit_month(actor, cls, month, this, document)
        return MonthOutcome(this, waiting=True)
    written = _write_month(actor, data, changes, this, approved_by=None)
    return MonthOutcome(this, written=written)


def _submit_month(
    actor: User, cls: SchoolClass, month: month_mod.Month, this: MonthPublication, document: dict[str, Any]
) -> None:
    name, data = _month_file(cls, month, document)
    try:
        record = records.submit_class_linked(
            actor,
            type_code=BAO_CAO_THANG,
            class_id=cls.id,
            period=queries.month_key(month.ref, this.number),
            term_id=None,
            title=f"Báo cáo {month.text} lớp {cls.name} năm học {cls.year.name}",
            files=[(name, data)],
            note=this.note or None,
        )
    except RecordError as exc:
        raise month_mod.MonthError(str(exc)) from None
    old_record = this.record_id
    this.record_id = record.id
    db.session.flush()
    audit.record(
        actor,
        "result.month_submitted",
        this,
        changes={
            "class_id": cls.id,
            "month": month.ref,
            "number": this.number,
            "record_id": [old_record, record.id],
            "note": this.note,
            "document_sha256": this.document_sha256,
            "students": len(document["students"]),
        },
    )


def _write_month(
    actor: User,
    data: month_mod.MonthData,
    changes: list[tuple[dict[str, Any], ResultSnapshot | None]],
    this: MonthPublication,
    *,
    approved_by: str | None,
) -> int:
    """Insert the round's new versions and supersede the ones they replace: a fixed number
    of statements whatever the number of students."""
    cls = data.school_class
    author = this.created_by.full_name if this.created_by else actor.full_name
    close = month_mod.close_facts(
        number=this.number,
        published_by=author,
        approved_by=approved_by,
        record_id=this.record_id,
        document=this.document_sha256,
    )
    now = utcnow()
    rows, replaced = [], {}
    for body, old in changes:
        version = old.version + 1 if old else 1
        revision = None
        if old is not None:
            revision = {"version": version, "cause": MONTH_REPUBLISHED, "by": actor.full_name, "at": now}
            replaced[body["student"]["id"]] = old
        text = snapshots.canonical(snapshots.snapshot_payload(data.header, body, close, revision))
        rows.append(
            {
                "student_id": body["student"]["id"],
                "class_id": cls.id,
                "year_id": cls.year_id,
                "period": "month",
                "period_ref": data.month.ref,
                "version": version,
                "record_id": this.record_id,
                "corrections_count": 0,
                "corrections_subjects": [],
                "payload": text,
                "sha256": snapshots.digest(text),
                "created_at": now,
                "created_by_id": actor.id,
            }
        )
    new_ids = {}
    if rows:
        inserted = db.session.execute(
            insert(ResultSnapshot).returning(ResultSnapshot.id, ResultSnapshot.student_id), rows
        )
        new_ids = {sid: nid for nid, sid in inserted}
    supersessions = [
        {"snapshot_id": old.id, "superseded_by_id": new_ids[sid], "at": now, "cause": MONTH_REPUBLISHED,
         "actor_id": actor.id}
        for sid, old in replaced.items()
    ]  # fmt: skip
    if supersessions:
        db.session.execute(insert(SnapshotSupersession), supersessions)
    before = {"published_at": this.published_at, "students_written": this.students_written}
    this.published_at, this.published_by_id, this.students_written = now, actor.id, len(rows)
    db.session.flush()
    audit.record(
        actor,
        "result.month_published",
        this,
        changes={
            "class_id": cls.id,
            "month": data.month.ref,
            "number": this.number,
            "note": this.note,
            "published_at": [before["published_at"], now],
            "published_by_id": [None, actor.id],
            "students_written": [before["students_written"], len(rows)],
            "superseded": len(supersessions),
            "approved_by": approved_by,
            "document_sha256": this.document_sha256,
        },
    )
    return len(rows)


def on_month_approved(_sender: Any, *, record: Record, actor: User, **_: Any) -> None:
    """linked_record_approved: the BGH's approval of a month round publishes it."""
    if record.record_type.code != BAO_CAO_THANG:
        return
    this = queries.month_round_of_record(record)
    cls = record.school_class
    if this is None or cls is None:
        return
    if this.published_at is not None:
        raise ConflictError("Báo cáo tháng này đã được công bố.")
    found = next((m for m in month_mod.months_of_year(cls.year) if m.ref == this.month), None)
    if found is None:
        raise ConflictError("Tháng của báo cáo không còn thuộc năm học của lớp.")
    data = month_mod.gather(cls, found, this.note)
    version = record.current_version
    submitted = version.files[0].sha256 if version and version.files else None
    if month_mod.document_sha256(month_mod.class_document(data)) != submitted:
        raise ConflictError(
            f"Dữ liệu {found.text} của lớp {cls.name} đã thay đổi sau khi giáo viên chủ nhiệm gửi "
            "(ví dụ một điểm có ngày kiểm tra trong tháng vừa được nhập), nên không thể công bố đúng bản đã gửi. "
            "Hãy trả lại để giáo viên chủ nhiệm gửi lại."
        )
    changes = _changes(data, queries.current_month_snapshots(cls.id, found.ref))
    _write_month(actor, data, changes, this, approved_by=actor.full_name)


def return_month(
    actor: User, this: MonthPublication, record: Record, *, seen_version: int | None, comment: str | None
) -> None:
    """A BGH member returns a month round to the GVCN with a reason (records' own move)."""
    records.return_record(actor, record, seen_version=seen_version, comment=comment)
    audit.record(
        actor,
        "result.month_returned",
        this,
        changes={"class_id": this.class_id, "month": this.month, "number": this.number, "record_id": record.id},
        comment=comment,
    )


def approve_month(actor: User, record: Record, *, seen_version: int | None, comment: str | None = None) -> Record:
    """A BGH member approves a month round; the snapshots are written by `on_month_approved`."""
    return records.approve_record(actor, record, seen_version=seen_version, comment=comment)
