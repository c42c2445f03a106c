"""The writers of privacy: the register of data-subject requests (R22), a student's data
export (the answer to an access request) and the erasure of a guardian's contact data.

- A request is registered with its received date; its due date is 2 working days later
  (app.privacy.workdays). It is answered (đã trả lời) or refused (từ chối) once, with the
  reply text; a deletion request's reply always says that the statutory records (học bạ,
  sổ theo dõi và đánh giá) are kept by law.
- The export is a ZIP built on demand (never stored): one JSON of everything the school
  holds on the student (identity with the sensitive fields, guardians and consent,
  enrollments, snapshots, absences, conduct and remarks, scores, issued documents'
  metadata, parent links' metadata without token or hash, the access log lines of those
  links, acknowledgements, the student's requests) plus the issued PDFs. The audit trail
  records only that an export was made (counts), never its content.
- Erasure replaces the guardian's name, phone, occupation and birth year, revokes every
  link of the guardian, and is audited with keyed digests only (the chain stays
  verifiable and holds no clear copy). Statutory records are kept.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from app.accounts.models import User
from app.audit import services as audit
from app.core import files
from app.core.errors import ConflictError, DomainError
from app.core.models import utcnow
from app.core.vn import LOCAL_TZ, nfc
from app.extensions import db
from app.gradebook.models import Score, StudentComment
from app.homeroom.models import Attendance, Conduct, HomeroomRemark, Retest, SummerConduct
from app.parents import consent
from app.parents.models import GuardianConsent, ParentAccess, ParentAck, ParentLink
from app.privacy import policy, workdays
from app.privacy.models import KINDS, REQUESTERS, DataRequest
from app.reports.models import IssuedDocument
from app.results.models import ResultSnapshot
from app.school.models import Enrollment, Guardian, PriorSchooling, Student

DUE_WORKING_DAYS = 2
REPLY_MAX = 4000
DETAILS_MAX = 1000
ERASED_NAME = "(đã xóa theo yêu cầu)"
STATUTORY_NOTE = (
    "Lưu ý: học bạ và sổ theo dõi và đánh giá học sinh là hồ sơ nhà trường phải lưu giữ theo quy định "
    "của pháp luật về giáo dục, nên không bị xóa; nhà trường chỉ xóa các dữ liệu không thuộc hồ sơ bắt buộc."
)
#: never in an export: what would open a link, or the school's own secrets
EXPORT_DENY = frozenset({"token_hash"})

ACTION_LABELS = {
    "data_request.created": "Ghi nhận yêu cầu về dữ liệu cá nhân",
    "data_request.answered": "Trả lời yêu cầu về dữ liệu cá nhân",
    "data_request.refused": "Từ chối yêu cầu về dữ liệu cá nhân",
    "student.data_exported": "Xuất toàn bộ dữ liệu của học sinh (trả lời yêu cầu truy cập)",
    "guardian.erased": "Xóa thông tin liên lạc của phụ huynh",
}
FEED_ACTIONS = ("data_request.created", "student.data_exported", "guardian.erased")


def today_local() -> date:
    return utcnow().astimezone(LOCAL_TZ).date()


# ---------------------------------------------------------------------------- the register


def register_request(
    actor: User,
    student: Student,
    *,
    kind: str,
    requester: str,
    received_on: date | None,
    details: str = "",
) -> DataRequest:
    """A new request; `requester` is "student" or a guardian relation (cha, me, giam_ho)."""
    if not policy.can_manage_requests(actor):
        raise DomainError("Chỉ Ban giám hiệu ghi nhận được yêu cầu về dữ liệu cá nhân.", 403)
    if kind not in KINDS:
        raise DomainError("Hãy chọn loại yêu cầu: truy cập, chỉnh sửa, xóa hoặc hạn chế xử lý.", 422)
    if received_on is None:
        raise DomainError("Hãy nhập ngày nhận yêu cầu (ngày/tháng/năm).", 422)
    if received_on > today_local():
        raise DomainError("Ngày nhận yêu cầu không được sau ngày hôm nay.", 422)
    guardian = None
    if requester != "student":
        guardian = next((g for g in student.guardians if g.relation == requester), None)
        if guardian is None:
            raise DomainError(f"Học sinh {student.full_name} không có người giám hộ với quan hệ đã chọn.", 422)
    body = nfc(details or "").strip()
    if len(body) > DETAILS_MAX:
        raise DomainError(f"Nội dung yêu cầu tối đa {DETAILS_MAX} ký tự.", 422)
    row = DataRequest(
        kind=kind,
        student_id=student.id,
        requester="student" if guardian is None else "guardian",
        guardian_id=guardian.id if guardian else None,
        details=body,
        received_on=received_on,
        due_on=workdays.add_working_days(received_on, DUE_WORKING_DAYS),
        status="open",
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        actor,
        "data_request.created",
        row,
        changes={"kind": [None, kind], "student_id": [None, student.id], "requester": [None, row.requester],
                 "guardian_id": [None, row.guardian_id], "received_on": [None, received_on.isoformat()],
                 "due_on": [None, row.due_on.isoformat()], "details_length": [None, len(body)]},
    )  # fmt: skip
    return row


def reply_template(req: DataRequest) -> str:
    """The reply the form starts from (the BGH edits it)."""
    who = REQUESTERS[req.requester].lower()
    opening = f"Nhà trường đã nhận yêu cầu {req.kind_label.lower()} dữ liệu cá nhân của {who} ngày " + (
        f"{req.received_on.strftime('%d/%m/%Y')}."
    )
    if req.kind == "access":
        return opening + " Nhà trường gửi kèm tệp dữ liệu của học sinh (ZIP: một tệp JSON và các bản PDF đã cấp)."
    if req.kind == "deletion":
        return opening + " " + STATUTORY_NOTE
    return opening


def answer_request(actor: User, req: DataRequest, *, reply: str, refused: bool = False) -> DataRequest:
    if not policy.can_manage_requests(actor):
        raise DomainError("Chỉ Ban giám hiệu trả lời được yêu cầu về dữ liệu cá nhân.", 403)
    if req.status != "open":
        raise ConflictError("Yêu cầu này đã được trả lời trước đó.")
    body = nfc(reply or "").strip()
    if not body:
        raise DomainError("Hãy nhập nội dung trả lời cho người yêu cầu.", 422)
    if req.kind == "deletion" and STATUTORY_NOTE not in body:
        body = f"{body}\n\n{STATUTORY_NOTE}"  # the law keeps học bạ and sổ: the reply says so
    if len(body) > REPLY_MAX:
        raise DomainError(f"Nội dung trả lời tối đa {REPLY_MAX} ký tự.", 422)
    req.status = "refused" if refused else "answered"
    req.reply = body
    req.answered_by_id = actor.id
    req.answered_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        "data_request.refused" if refused else "data_request.answered",
        req,
        changes={"status": ["open", req.status], "reply_length": [None, len(body)],
                 "overdue": [None, req.due_on < today_local()]},
    )  # fmt: skip
    return req


# ---------------------------------------------------------------------------- the export


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj: Any) -> dict[str, Any]:
    """Every column of a row (the deny list left out), JSON-ready."""
    return {c.key: _plain(getattr(obj, c.key)) for c in sa_inspect(obj).mapper.column_attrs if c.key not in EXPORT_DENY}


def _rows(model: Any, *where: Any) -> list[dict[str, Any]]:
    return [_row(r) for r in db.session.scalars(select(model).where(*where).order_by(model.id)).all()]


def export_data(student: Student) -> dict[str, Any]:
    """Everything the school holds on the student, as one JSON-ready dict."""
    sid = student.id
    links = db.session.scalars(select(ParentLink).where(ParentLink.student_id == sid).order_by(ParentLink.id)).all()
    link_ids = [link.id for link in links]
    snapshots = []
    for snap in db.session.scalars(select(ResultSnapshot).where(ResultSnapshot.student_id == sid)).all():
        item = _row(snap)
        item["payload"] = json.loads(snap.payload)
        snapshots.append(item)
    return {
        "exported_at": utcnow().isoformat(),
        "note": "Toàn bộ dữ liệu nhà trường lưu về học sinh (trả lời yêu cầu truy cập, Luật 91/2025/QH15).",
        "student": _row(student),
        "guardians": _rows(Guardian, Guardian.student_id == sid),
        "consents": _rows(GuardianConsent, GuardianConsent.student_id == sid),
        "prior_schooling": _rows(PriorSchooling, PriorSchooling.student_id == sid),
        "enrollments": [
            {**_row(e), "class_name": e.school_class.name}
            for e in db.session.scalars(select(Enrollment).where(Enrollment.student_id == sid)).all()
        ],
        "snapshots": snapshots,
        "absences": _rows(Attendance, Attendance.student_id == sid),
        "conduct": _rows(Conduct, Conduct.student_id == sid),
        "summer_conduct": _rows(SummerConduct, SummerConduct.student_id == sid),
        "retests": _rows(Retest, Retest.student_id == sid),
        "homeroom_remarks": _rows(HomeroomRemark, HomeroomRemark.student_id == sid),
        "scores": _rows(Score, Score.student_id == sid),
        "teacher_comments": _rows(StudentComment, StudentComment.student_id == sid),
        "issued_documents": _rows(IssuedDocument, IssuedDocument.student_id == sid),
        "parent_links": [_row(link) for link in links],
        "parent_access_log": _rows(ParentAccess, ParentAccess.link_id.in_(link_ids)) if link_ids else [],
        "acknowledgements": _rows(ParentAck, ParentAck.link_id.in_(link_ids)) if link_ids else [],
        "data_requests": _rows(DataRequest, DataRequest.student_id == sid),
    }


def export_student(actor: User, student: Student, req: DataRequest | None = None) -> tuple[bytes, str]:
    """(the ZIP's bytes, its file name); audited as a fact (counts), never the content."""
    if not policy.can_export_student(actor):
        raise DomainError("Chỉ Ban giám hiệu xuất được dữ liệu của học sinh.", 403)
    data = export_data(student)
    buffer = io.BytesIO()
    pdfs = 0
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("du-lieu-hoc-sinh.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        for doc in data["issued_documents"]:
            path = files.path_for(doc["sha256"])
            if path.is_file():
                archive.write(path, f"van-ban-da-cap/{doc['id']}-{doc['file_name']}")
                pdfs += 1
    audit.record(
        actor,
        "student.data_exported",
        student,
        changes={"data_request_id": [None, req.id if req else None], "pdf_files": [None, pdfs],
                 "sections": [None, sorted(k for k, v in data.items() if isinstance(v, list) and v)]},
    )  # fmt: skip
    return buffer.getvalue(), f"du-lieu-hoc-sinh-{student.student_code}.zip"


# ---------------------------------------------------------------------------- erasure


def erase_guardian(actor: User, guardian: Guardian) -> int:
    """Replace the guardian's contact data, revoke the guardian's links; how many links."""
    if not policy.can_erase_guardian(actor):
        raise DomainError("Chỉ quản trị hệ thống xóa được thông tin liên lạc của phụ huynh.", 403)
    if guardian.full_name == ERASED_NAME and guardian.phone is None:
        raise ConflictError("Thông tin liên lạc của phụ huynh này đã được xóa trước đó.")
    before = {"full_name": guardian.full_name, "phone": guardian.phone, "occupation": guardian.occupation,
              "birth_year": guardian.birth_year}  # fmt: skip
    guardian.full_name = ERASED_NAME
    guardian.phone = None
    guardian.occupation = None
    guardian.birth_year = None
    db.session.flush()
    revoked = consent.revoke_all(actor, guardian.id, reason="guardian_erased")
    changes: dict[str, Any] = {
        "full_name": [before["full_name"], ERASED_NAME],
        "phone": [before["phone"], None],
        "occupation": [before["occupation"], None],
        "birth_year": [before["birth_year"], None],
        "links_revoked": [None, revoked],
    }
    audit.record(actor, "guardian.erased", guardian, changes=changes)
    return revoked


def scrub_freed_pages() -> None:
    """After an erasure commits on SQLite: old page images can linger in the WAL and in
    freed space; secure_delete (core.database pragmas) zeroes freed space, and a TRUNCATE
    checkpoint writes the WAL back and empties it. Nothing to do on PostgreSQL (its dead
    tuples are vacuumed; the erased values are no longer readable by any query)."""
    engine = current_app.extensions["sqlalchemy"].engine
    if engine.dialect.name != "sqlite":
        return
    db.session.close()  # the request's connection back to the pool, no transaction open
    raw = engine.raw_connection()  # no BEGIN: a checkpoint runs outside any transaction
    try:
        raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        raw.close()
