"""Records: the only writers (DOMAIN.md §5, R14, R15, R23).

States (core.workflow): draft ─submit→ submitted(step 0 … n-1) ─approve at the last step→
approved (final); submitted ─return (comment)→ returned ─new version, submit→ submitted;
submitted at step 0 ─withdraw→ draft.

Invariants:
- a version is an immutable set of stored files; its hash is sha256 over the files'
  sha256 values; a new version can be added only in draft or returned, so a new
  submission always starts the chain again and earlier approvals never carry over;
- every decision is bound to the exact version acted on (RecordDecision.version_hash,
  and the audit event's file_sha256);
- approved is final: nobody can edit, re-version, withdraw or delete it;
- a reviewer never decides their own record (R14), nor two steps of one submission;
- changes outside the workflow table (edit, new version, delete) are guarded by the same
  row version as the moves, so they cannot interleave with a decision;
- services flush, never commit (the caller's unit of work does); one audit event per
  change, built after its last field change and naming every column it set; a refusal
  is a DomainError (RecordError / RecordTypeError 422, WorkflowConflict 409, UploadError
  413/415/422, MissingFile 404) or a 403 from `require()`.

Modules: authoring (create, edit, new version, delete), decisions (the workflow moves),
comments, downloads (traced reads), linked (the grade book's and the class close's
contract), record_types
(the admin's catalogue). Import from here: `from app.records import services`.
"""

from __future__ import annotations

from app.records.services.authoring import (
    MAX_FILES_PER_VERSION,
    add_version,
    create_record,
    delete_record,
    due_date_for,
    update_record,
)
from app.records.services.comments import add_comment
from app.records.services.decisions import (
    approve_record,
    resolve_chain,
    return_record,
    submit_record,
    withdraw_record,
)
from app.records.services.downloads import record_compliance_export, record_download
from app.records.services.errors import LOCKED, STALE, MissingFile, RecordError, RecordTypeError
from app.records.services.linked import submit_class_linked, submit_linked
from app.records.services.record_types import (
    BAO_CAO_THANG,
    KE_HOACH_BAI_DAY,
    KET_QUA_LOP,
    SO_DIEM,
    create_type,
    ensure_default_record_types,
    update_type,
)

#: the Vietnamese label of every action this domain writes (registered with audit)
ACTION_LABELS = {
    "record.created": "Tạo hồ sơ",
    "record.submitted": "Nộp duyệt",
    "record.approved": "Duyệt",
    "record.returned": "Trả lại",
    "record.withdrawn": "Rút lại",
    "record.version_added": "Tải lên phiên bản mới",
    "record.updated": "Sửa thông tin",
    "record.commented": "Trao đổi",
    "record.deleted": "Xoá bản nháp",
    "record.file_downloaded": "Tải tệp về",
    "records.compliance_exported": "Xuất báo cáo nộp hồ sơ",
    "record_type.created": "Tạo loại hồ sơ",
    "record_type.updated": "Sửa loại hồ sơ",
}
#: what the BGH's live feed shows: submissions and decisions across the school
FEED_ACTIONS = ("record.submitted", "record.approved", "record.returned", "record.withdrawn", "record.version_added")

__all__ = [
    "ACTION_LABELS",
    "FEED_ACTIONS",
    "KE_HOACH_BAI_DAY",
    "BAO_CAO_THANG",
    "KET_QUA_LOP",
    "LOCKED",
    "MAX_FILES_PER_VERSION",
    "SO_DIEM",
    "STALE",
    "MissingFile",
    "RecordError",
    "RecordTypeError",
    "add_comment",
    "add_version",
    "approve_record",
    "create_record",
    "create_type",
    "delete_record",
    "due_date_for",
    "ensure_default_record_types",
    "record_compliance_export",
    "record_download",
    "resolve_chain",
    "return_record",
    "submit_class_linked",
    "submit_linked",
    "submit_record",
    "update_record",
    "update_type",
    "withdraw_record",
]
