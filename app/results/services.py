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

from typing import TYPE_CHECKING, Any

from sqlalchemy import insert

from app.audit import services as audit
from app.core.authz import deny
from app.core.errors import ConflictError, DomainError
from app.core.models import utcnow
from app.extensions import db
from app.records import services as records
from app.records.models import Record
from app.records.services import KET_QUA_LOP, RecordError
from app.results import checklist as checklist_mod
from app.results import policy, queries, snapshots
from app.results.models import ResultSnapshot, SnapshotSupersession
from app.school.models import SchoolClass

if TYPE_CHECKING:
    from app.accounts.models import User

#: the Vietnamese label of every audit action this package writes (registered with audit)
ACTION_LABELS = {
    "result.close_submitted": "Nộp chốt kết quả của lớp",
    "result.closed": "Chốt kết quả: lưu bản kết quả của từng học sinh",
    "result.snapshot_revised": "Lưu phiên bản mới của kết quả đã chốt (sau điều chỉnh)",
}
#: what the BGH's live feed shows
FEED_ACTIONS = ("result.closed", "result.snapshot_revised")


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
