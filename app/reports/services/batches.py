"""Batches: one job issues many documents, a chunk of items per transaction (app.reports.jobs).

States: queued → running → done | failed; failed (or running with a dead worker, see
`queries.interrupted`) → queued again on resume. Progress (done of total, the student it
failed on) is in the job's row, so the page survives a reload, a logout and the death of
the process that ran it. An item is done when it names its document; resume issues only
the items that do not, and issuing is idempotent per (snapshot set, kind), so a killed job
never issues a document twice. The merged PDF (class order) and the ZIP are written last,
the same way as every file (complete before the row names them).

`start_job` asks for the job to run when its transaction commits (the runner in
app.reports.jobs listens: a thread of this process, or an RQ worker when REDIS_URL is set).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from pypdf import PdfWriter

from app.accounts.models import User
from app.audit import services as audit
from app.core.authz import deny
from app.core.errors import ConflictError, DomainError
from app.core.models import utcnow
from app.extensions import db
from app.reports import policy, queries
from app.reports.models import KIND_LABELS, ReportJob, ReportJobItem
from app.reports.pdf import concat
from app.reports.services import identity, issuing, store
from app.results.models import ResultSnapshot
from app.school import queries as school_queries
from app.school.models import SchoolClass, Student

#: session.info key: the jobs to run once the transaction commits (app.reports.jobs)
DISPATCH = "sodientu_report_jobs"
SCOPE_TEXT = {"class": "lớp {}", "grade": "khối {}", "school": "toàn trường"}


class ReportError(DomainError):
    """422: nothing to issue (no approved results for that period)."""


def _request_run(job: ReportJob) -> None:
    db.session.info.setdefault(DISPATCH, []).append(job.id)


def start_job(actor: User, kind: str, scope: str, ref: int, period: queries.Period) -> ReportJob:
    """Queue a job over a class (its GVCN, BGH), a khối or the school (BGH)."""
    classes = queries.classes_in_scope(scope, ref)
    allowed = policy.can_issue_for_school(actor) or (
        scope == "class" and all(policy.can_issue_for_class(actor, c.homeroom_teacher_id) for c in classes)
    )
    if not allowed:
        deny("report.batch", "class" if scope == "class" else scope, ref)
    items: list[tuple[SchoolClass, Student | None]] = []
    for cls in classes:
        snaps = queries.current_snapshots(cls.id, period.period, period.period_ref)
        if kind == "so_theo_doi":
            items.extend([(cls, None)] if snaps else [])
        else:
            items.extend((cls, s.student) for s in snaps)
    if not items:
        raise ReportError(f"Chưa có kết quả {period.label.lower()} đã duyệt nào để in.")
    where = SCOPE_TEXT[scope].format(classes[0].name if scope == "class" else ref)
    year_id = classes[0].year_id
    job = ReportJob(
        kind=kind, scope=scope, scope_ref=ref, label=f"{KIND_LABELS[kind]} {period.label.lower()} · {where}",
        year_id=year_id, period=period.period, period_ref=period.period_ref, requested_by_id=actor.id,
        state="queued", total=len(items), done=0,
    )  # fmt: skip
    db.session.add(job)
    db.session.flush()
    db.session.add_all(
        ReportJobItem(job_id=job.id, position=n, class_id=cls.id, student_id=st.id if st else None)
        for n, (cls, st) in enumerate(items, 1)
    )
    audit.record(actor, "report.job_started", job, changes={"kind": kind, "scope": scope, "ref": ref,
                 "period": period.period, "period_ref": period.period_ref, "total": len(items)})  # fmt: skip
    _request_run(job)
    return job


def resume_job(actor: User, job: ReportJob) -> ReportJob:
    if job.state == "done":
        raise ConflictError("Đợt in này đã xong.")
    if job.state == "running" and not queries.interrupted(job):
        raise ConflictError("Đợt in này đang chạy.")
    job.state, job.error, job.failed_student = "queued", None, None
    audit.record(actor, "report.job_resumed", job, changes={"done": job.done, "total": job.total})
    _request_run(job)
    return job


def record_job_download(actor: User, job: ReportJob, what: str) -> None:
    sha = job.merged_sha256 if what == "pdf" else job.zip_sha256
    audit.record(actor, "report.job_downloaded", job, changes={"file": what}, file_sha256=sha)


# ---------------------------------------------------------------------------- running (workers)


def _draft(job: ReportJob, item: ReportJobItem) -> issuing.Draft | None:
    return drafts(job, [item])[item.id]


def drafts(job: ReportJob, items: Sequence[ReportJobItem]) -> dict[int, issuing.Draft | None]:
    """The drafts of a chunk of items, read in a few statements for all of them (the
    classes, the snapshots of each class or each student, the school's shared facts)."""
    classes = queries.classes_by_id(sorted({i.class_id for i in items}))
    period = queries.Period(job.period, job.period_ref, "")
    out: dict[int, issuing.Draft | None] = {}
    if job.kind == "so_theo_doi":
        return {i.id: issuing.class_book_draft(classes[i.class_id], period) for i in items}
    student_ids = [i.student_id or 0 for i in items]
    if job.kind == "hoc_ba":
        yearly = queries.hoc_ba_snapshots_of(student_ids)
        terms = queries.term_snapshots_of_students(student_ids)
        histories = school_queries.enrollment_histories(student_ids)
        shared = identity.school_facts()
        for i in items:
            snaps = yearly.get(i.student_id or 0)
            sid = snaps[0].student_id if snaps else 0
            out[i.id] = (
                issuing.hoc_ba_draft(
                    classes[i.class_id], snaps[0].student, (snaps, terms.get(sid, [])), shared, histories.get(sid)
                )
                if snaps
                else None
            )
        return out
    found: dict[tuple[int, int], ResultSnapshot] = {}
    for class_id in sorted({i.class_id for i in items}):
        ids = [i.student_id or 0 for i in items if i.class_id == class_id]
        found.update(
            ((class_id, s.student_id), s) for s in queries.current_snapshots(class_id, job.period, job.period_ref, ids)
        )
    for i in items:
        snap = found.get((i.class_id, i.student_id or 0))
        out[i.id] = issuing.report_card_draft(classes[i.class_id], snap) if snap else None
    return out


def draw_item(job: ReportJob, item: ReportJobItem) -> issuing.Drawn | None:
    """Draw one item's document before its write transaction (nothing recorded)."""
    return draw_items(job, [item])[item.id]


def draw_items(job: ReportJob, items: Sequence[ReportJobItem]) -> dict[int, issuing.Drawn | None]:
    """Draw a chunk of items' documents before their write transactions (nothing recorded):
    {item id: drawn, or None for an item with nothing to draw or already issued}."""
    todo = [i for i in items if i.document_id is None]
    found = drafts(job, todo)
    ready = [(i.id, d) for i in todo if (d := found[i.id]) is not None]
    out: dict[int, issuing.Drawn | None] = {i.id: None for i in items}
    try:
        drawn = issuing.draw_many(job.requested_by, [d for _, d in ready])
    except issuing.PartlyDrawn as part:
        out.update((item_id, dr) for (item_id, _), dr in zip(ready, part.drawn, strict=False))
        raise ItemFailed(ready[len(part.drawn)][0], out, part.cause) from part.cause
    out.update((item_id, dr) for (item_id, _), dr in zip(ready, drawn, strict=True))
    return out


class ItemFailed(Exception):
    """Drawing a chunk stopped at `item_id`: `drawn` holds the items drawn before it."""

    def __init__(self, item_id: int, drawn: dict[int, issuing.Drawn | None], cause: BaseException) -> None:
        super().__init__(str(cause))
        self.item_id, self.drawn, self.cause = item_id, drawn, cause


def run_item(job: ReportJob, item: ReportJobItem, drawn: issuing.Drawn | None = None) -> int:
    """One item, in the caller's transaction: issue (or find) the document, count it; its id.

    With `drawn` (drawn earlier, `draw_items`) the row is recorded from its plain facts; the
    draft is read again and the document drawn again only when something changed since."""
    doc_id = issuing.record(job.requested_by, drawn) if drawn is not None and drawn.facts is not None else None
    if doc_id is None:
        draft = _draft(job, item)
        if draft is None:
            raise ReportError("Không còn kết quả đã duyệt của học sinh này.")
        doc_id = issuing.issue(job.requested_by, draft, drawn).id
    item.document_id = doc_id
    job.done += 1
    job.heartbeat_at = utcnow()
    return doc_id


def bundle(job: ReportJob) -> tuple[str, str]:
    """The merged PDF for printing (class order) and the ZIP of every file, stored; their
    sha256s (read-only: a runner calls it outside its write transaction)."""
    docs = queries.documents_of_job(job)
    files = [store.path_of(doc.sha256).read_bytes() for doc in docs]
    archive = io.BytesIO()
    # stored, not deflated: the PDFs are compressed already (deflating saved ≈ 7 % for 2 ms a file)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        for n, (doc, data) in enumerate(zip(docs, files, strict=True), 1):
            zf.writestr(f"{n:03d} {doc.file_name}", data)
    return store.write(merged_pdf(files)), store.write(archive.getvalue())


def merged_pdf(files: list[bytes]) -> bytes:
    """The documents in order in one PDF: copied object by object (app.reports.pdf.concat),
    through pypdf only for a file that is not reportlab's plain output."""
    try:
        return concat.merge(files)
    except concat.NotPlain:
        merged = PdfWriter()
        for data in files:
            merged.append(io.BytesIO(data))
        out = io.BytesIO()
        merged.write(out)
        return out.getvalue()


def finish(job: ReportJob, bundled: tuple[str, str] | None = None) -> None:
    """The job is done: its merged PDF and ZIP (`bundled` earlier, or made now)."""
    job.merged_sha256, job.zip_sha256 = bundled or bundle(job)
    job.state, job.finished_at, job.heartbeat_at = "done", utcnow(), utcnow()
    audit.record(job.requested_by, "report.job_finished", job, changes={"done": job.done, "total": job.total,
                 "merged_sha256": job.merged_sha256, "zip_sha256": job.zip_sha256})  # fmt: skip


def begin_run(job: ReportJob) -> list[int]:
    """Mark the job running; the ids of its items still to issue, in class order."""
    job.state, job.heartbeat_at = "running", utcnow()
    job.started_at = job.started_at or utcnow()
    return [i.id for i in queries.pending_items(job)]


def fail(job: ReportJob, item: ReportJobItem, error: BaseException) -> None:
    """The job stops on this item; the page names the student."""
    who = db.session.get(Student, item.student_id) if item.student_id else None
    cls = db.session.get(SchoolClass, item.class_id)
    job.state, job.finished_at = "failed", utcnow()
    job.failed_student = who.full_name if who else f"lớp {cls.name if cls else item.class_id}"
    job.error = str(error) or type(error).__name__
    audit.record(job.requested_by, "report.job_failed", job, changes={"done": job.done, "total": job.total,
                 "student": job.failed_student, "error": job.error})  # fmt: skip


ACTION_LABELS = {
    "report.job_started": "Bắt đầu in hàng loạt",
    "report.job_resumed": "Tiếp tục đợt in hàng loạt",
    "report.job_finished": "Hoàn tất đợt in hàng loạt",
    "report.job_failed": "Đợt in hàng loạt bị dừng vì lỗi",
    "report.job_downloaded": "Tải tệp gộp của đợt in",
}
