"""The reports domain's writers: issuing documents (issuing.py) and batches (batches.py).

Documents: issued from approved, current snapshots only; one per (kind, snapshot set);
`valid` until a document drawn from a newer snapshot version of the same slot makes it
`superseded`. Jobs: queued → running → done | failed, resumable (see batches.py).
Every issue, preview and download is audited.
"""

from __future__ import annotations

from app.reports.services import batches, issuing
from app.reports.services.batches import ReportError, record_job_download, resume_job, start_job
from app.reports.services.issuing import (
    Draft,
    book_draft_for,
    class_book_draft,
    draft_for,
    hoc_ba_draft,
    issue,
    record_download,
    record_preview,
    report_card_draft,
)

#: the Vietnamese label of every audit action this package writes (registered with audit)
ACTION_LABELS = {
    "report.issued": "Phát hành văn bản (báo liên lạc, học bạ, sổ theo dõi)",
    "report.previewed": "Xem trước văn bản trước khi phát hành",
    "report.downloaded": "Tải văn bản đã phát hành",
    **batches.ACTION_LABELS,
}
FEED_ACTIONS = ("report.job_finished", "report.job_failed")

__all__ = [
    "ACTION_LABELS",
    "FEED_ACTIONS",
    "Draft",
    "ReportError",
    "batches",
    "book_draft_for",
    "class_book_draft",
    "draft_for",
    "hoc_ba_draft",
    "issue",
    "issuing",
    "record_download",
    "record_job_download",
    "record_preview",
    "report_card_draft",
    "resume_job",
    "start_job",
]
