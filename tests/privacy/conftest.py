"""The parents' small class (tests/parents/conftest.py) plus an admin, and an issued PDF."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from app.extensions import db
from tests.parents.conftest import parents_school  # noqa: F401  (the fixture, reused)


@pytest.fixture
def admin(make_user):  # type: ignore[no-untyped-def]
    from app.core.authz import Role

    return make_user("quantri", roles=(Role.ADMIN,), full_name="Phan Văn Quản Trị")


def store_pdf(as_user: Any, ns: Any, student: Any, code: str = "TEST-0001") -> bytes:
    """An issued báo liên lạc of the student's month point, its bytes in the file store."""
    from app.core import files
    from app.reports.models import IssuedDocument

    data = b"%PDF-1.7 test " + student.full_name.encode()
    snap = ns.snapshots[(student.id, "month")]

    def store(_a: Any) -> None:
        staged = files.stage_bytes(data, db.session())
        db.session.add(
            IssuedDocument(
                kind="bao_lien_lac", student_id=student.id, class_id=ns.cls.id if student in ns.students else
                ns.other_cls.id, year_id=ns.year.id, period="month", period_ref="2026-10",
                slot=f"bao_lien_lac:s{student.id}:month:2026-10", source_key=hashlib.sha256(code.encode()).hexdigest(),
                sources=[{"id": snap, "sha256": "0" * 64}], file_name="bao-lien-lac.pdf", sha256=staged.sha256,
                size=len(data), code=code,
            )
        )  # fmt: skip

    as_user(None, store)
    return data
