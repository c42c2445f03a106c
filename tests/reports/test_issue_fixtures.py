"""Shared set-up of the issuing tests (imported by tests/reports/test_{issue,views,access,
jobs,rq,crash}*.py): the gb school's 10A1 with HK I closed and approved, helpers to read
issued documents and PDFs back."""

from __future__ import annotations

import subprocess
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.gradebook.conftest import audit_rows, gb  # noqa: F401  (fixtures the tests use)
from tests.results.conftest import prepare_hk1


@pytest.fixture
def closed(gb, as_user):  # type: ignore[no-untyped-def]  # noqa: F811
    """10A1 (3 students) with HK I closed by the GVCN and approved by the hiệu trưởng."""
    ns = prepare_hk1(gb, as_user)
    ns.close_hk1()
    return ns


def pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode("utf-8")


def documents(app: Any, **where: Any) -> list[Any]:
    from app.reports.models import IssuedDocument

    with app.app_context():
        stmt = select(IssuedDocument).order_by(IssuedDocument.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(IssuedDocument, key) == value)
        return [
            SimpleNamespace(**{c.name: getattr(d, c.name) for c in IssuedDocument.__table__.columns})
            for d in db.session.scalars(stmt)
        ]


def file_bytes(app: Any, sha256: str) -> bytes:
    from app.core import files

    with app.app_context():
        return files.path_for(sha256).read_bytes()


def issue_card(as_user: Any, actor: Any, class_id: int, student_id: int, period: str = "hk1") -> int:
    """Issue one báo liên lạc through the service, as `actor`; the document's id."""
    from app.reports import queries, services
    from app.school.models import SchoolClass

    def run(a: Any) -> int:
        cls = db.session.get(SchoolClass, class_id)
        p = queries.issuable_period(cls, period)
        return services.issue(a, services.draft_for(cls, queries.class_student(cls, student_id), p, "bao_lien_lac")).id

    return as_user(actor, run)


def fetch(client: Any, url: str) -> Any:
    """GET a download and close it (a streamed file stays open until the response closes)."""
    response = client.get(url)
    response.data  # noqa: B018  (read the body before closing the file)
    response.close()
    return response
