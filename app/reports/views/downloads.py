"""Downloads: an issued document, a job's merged PDF or ZIP — attachments, never cached,
never sniffed (core.files.attachment), each download in the audit trail."""

from __future__ import annotations

from werkzeug.wrappers import Response

from app.accounts.session import current_actor
from app.core import files
from app.core.authz import BGH, Role, allow, not_found
from app.core.database import unit_of_work
from app.core.routing import Routes
from app.reports import queries, services

routes = Routes()
#: the quản trị is refused at the role check (403), as on the close's pages: it reads no results
READERS = frozenset({Role.TEACHER}) | BGH
JOB_FILES = {"pdf": ("application/pdf", "gop.pdf"), "zip": ("application/zip", "tung-hoc-sinh.zip")}


@routes.route("/documents/<int:document_id>/download")
@allow(READERS)
def download(document_id: int) -> Response:
    user = current_actor()
    doc = queries.document_for(user, document_id)
    path, name = queries.file_path(doc.sha256), doc.file_name
    with unit_of_work(fresh=True):
        services.record_download(user, queries.document_for(user, document_id))
    return files.attachment(path, name, "application/pdf")


@routes.route("/jobs/<int:job_id>/download/<what>")
@allow(READERS)
def job_download(job_id: int, what: str) -> Response:
    user = current_actor()
    job = queries.job_for(user, job_id)
    sha = job.merged_sha256 if what == "pdf" else job.zip_sha256 if what == "zip" else None
    if job.state != "done" or sha is None:
        not_found("report_job_file", f"{job_id}:{what}")
    mimetype, suffix = JOB_FILES[what]
    path, name = queries.file_path(sha), f"{job.label} - {suffix}"
    with unit_of_work(fresh=True):
        services.record_job_download(user, queries.job_for(user, job_id), what)
    return files.attachment(path, name, mimetype)
