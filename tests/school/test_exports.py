"""Roster export: R25 order, re-importable columns, no formulas (CWE-1236), logged.

The cell guard is core.xlsx.safe_value (school's own copy was removed); its cases stay here.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from app.core.xlsx import safe_value
from app.extensions import db
from app.school import imports
from app.school.models import SchoolClass
from tests.school.conftest import events


@pytest.mark.parametrize(
    "value, expected",
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+84912345678", "'+84912345678"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\n=1", "'\n=1"),
        ("\r=1", "'\r=1"),
        ("Bình", "Bình"),
        (12, 12),
        (date(2012, 1, 2), date(2012, 1, 2)),
        (None, None),
    ],
)
def test_safe_cell(value, expected) -> None:
    assert safe_value(value) == expected


def test_export_neutralises_formulas_and_keeps_r25_order(app, login_as, make_student, school_fixture) -> None:
    fx = school_fixture
    from app.school import services
    from app.school.models import GuardianRelation, Student

    evil = make_student(fx.c10a1, "=cmd Bình Quân")
    with app.app_context():
        s = db.session.get(Student, evil.id)
        services.add_guardian(
            None, s, relation=GuardianRelation.FATHER, full_name="@Nguyễn Văn A", occupation="-Buôn bán"
        )
        services.update_student(None, s, birthplace="+Đồng Tháp", national_id="087312000999")
        db.session.commit()
    make_student(fx.c10a1, "Lê Văn An")
    response = login_as(fx.gvcn).get(f"/school/classes/{fx.c10a1.id}/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith('attachment; filename="')
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells if isinstance(c.value, str)]
    for raw in ("=cmd", "@Nguyễn Văn A", "-Buôn bán", "+Đồng Tháp"):
        assert "'" + raw in values and raw not in values
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["STT", "Mã HS", "Mã định danh Bộ", "Số đăng bộ", "Họ"]
    assert "Số định danh cá nhân" not in header  # only BGH exports the full number
    assert "Dân tộc" in header and "Nơi sinh" in header  # the GVCN reads the class's personal data
    names = [row[header.index("Tên")] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["An", "Bích", "Bích", "Bích", "Quân"]
    assert events(app, "class.roster_exported")[-1].changes["rows"] == [None, 5]


def test_principal_export_has_the_full_national_id(app, login_as, school_fixture) -> None:
    data = login_as(school_fixture.ht).get(f"/school/classes/{school_fixture.c10a1.id}/export.xlsx").data
    header = [c.value for c in load_workbook(io.BytesIO(data)).worksheets[0][1]]
    assert "Số định danh cá nhân" in header and "Dân tộc" in header


def test_admin_export_has_no_sensitive_column(app, admin_client, school_fixture) -> None:
    data = admin_client.get(f"/school/classes/{school_fixture.c10a1.id}/export.xlsx").data
    header = [c.value for c in load_workbook(io.BytesIO(data)).worksheets[0][1]]
    # separation of duties: the quản trị keeps the roster but reads no sensitive field
    assert not {"Số định danh cá nhân", "Dân tộc", "Chỗ ở hiện tại", "Nơi sinh"} & set(header)
    assert "Tên" in header and "Số đăng bộ" in header


def test_a_full_export_can_be_imported_back_unchanged(app, login_as, school_fixture) -> None:
    """The hiệu trưởng's export (every column, số định danh included) re-imports as "Không đổi"."""
    fx = school_fixture
    data = login_as(fx.ht).get(f"/school/classes/{fx.c10a1.id}/export.xlsx").data
    header = [c.value for c in load_workbook(io.BytesIO(data)).worksheets[0][1]]
    assert "Số định danh cá nhân" in header and "Số đăng bộ" in header
    with app.app_context():
        cls = db.session.get(SchoolClass, fx.c10a1.id)
        result = imports.preview("roster", data, imports.ImportOptions(cls.id))
    # the columns are understood and every student is matched by mã học sinh, with nothing to change
    assert len(result.rows) == 3 and result.ok, result.messages
    assert [row.status for row in result.rows] == ["same", "same", "same"]
