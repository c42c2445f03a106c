"""Helpers for the school tests: spreadsheets built in memory, audit counting, uploads."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.extensions import db

ROSTER_HEADER = [
    "Mã HS",
    "Họ",
    "Chữ đệm",
    "Tên",
    "Ngày sinh",
    "Giới tính",
    "Số định danh cá nhân",
    "Họ tên cha",
    "Điện thoại cha",
    "Nghề nghiệp cha",
    "Họ tên mẹ",
    "Điện thoại mẹ",
]


def make_xlsx(rows: Sequence[Sequence[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def roster_row(
    code: str,
    last: str,
    middle: str,
    first: str,
    birth: Any = "17/05/2012",
    gender: str = "Nữ",
    national_id: str = "",
    father: str = "",
    father_phone: str = "",
    father_job: str = "",
    mother: str = "",
    mother_phone: str = "",
) -> list[Any]:
    return [
        code,
        last,
        middle,
        first,
        birth,
        gender,
        national_id,
        father,
        father_phone,
        father_job,
        mother,
        mother_phone,
    ]


def events(app, action: str | None = None) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    with app.app_context():
        stmt = select(AuditEvent).order_by(AuditEvent.seq)
        if action:
            stmt = stmt.where(AuditEvent.action == action)
        rows = list(db.session.scalars(stmt))
        db.session.expunge_all()
        return rows


def count(app, model: Any, *where: Any) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def upload(
    client,
    kind: str,
    data: bytes,
    filename: str = "danh-sach.xlsx",  # type: ignore[no-untyped-def]
    class_id: int | None = None,
):
    form: dict[str, Any] = {f"{kind}-file": (io.BytesIO(data), filename)}
    if class_id is not None:
        form[f"{kind}-class_id"] = str(class_id)
    return client.post(f"/school/admin/imports/{kind}", data=form, content_type="multipart/form-data")


@pytest.fixture
def admin_client(login_as, school_fixture):  # type: ignore[no-untyped-def]
    return login_as(school_fixture.admin)
