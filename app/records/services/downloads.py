"""Reads that are traced (R23): a record's file downloaded, the compliance sheet exported.

Both are GET requests that write one audit event. Their views read first, then call
these in `unit_of_work(fresh=True)`: a new write transaction, so that SQLite never has to
upgrade the (possibly stale) read snapshot to a writer — it refuses that at once with
"database is locked" while other requests write.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from app.audit import services as audit
from app.core import files
from app.core.authz import require
from app.records import policy
from app.records.exports import ComplianceExport
from app.records.models import Record, RecordFile
from app.records.services.errors import MissingFile

if TYPE_CHECKING:
    from app.accounts.models import User

log = logging.getLogger(__name__)


def record_download(actor: User, record: Record, record_file: RecordFile) -> Path:
    """Trace one download of a record's file; return where the file is stored."""
    require(policy.can_view(actor, record), "record.download")
    path = files.path_for(record_file.sha256)
    if not path.is_file():
        log.error("stored file missing: %s", record_file.sha256)
        raise MissingFile()
    audit.record(
        actor,
        "record.file_downloaded",
        record,
        file_sha256=record_file.sha256,
        changes={"file_id": record_file.id, "name": record_file.original_name},
    )
    return path


def record_compliance_export(actor: User, export: ComplianceExport) -> None:
    """Trace the BGH's compliance export: which weeks, how many tổ and overdue rows."""
    require(policy.can_export_compliance(actor), "records.compliance_export")
    audit.record(
        actor,
        "records.compliance_exported",
        ("records", None),
        changes={
            "weeks": [export.weeks[0], export.weeks[-1]],
            "departments": export.departments,
            "overdue_rows": export.overdue_rows,
        },
    )
