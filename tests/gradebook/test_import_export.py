"""xlsx export in the school layout, import with preview and row errors, all-or-nothing
(SECURITY.md 16: formula neutralisation, scope, every error listed)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from openpyxl import load_workbook

from tests.gradebook.conftest import post_cell


def exported(client, book: int) -> bytes:  # type: ignore[no-untyped-def]
    r = client.get(f"/gradebook/{book}/export.xlsx")
    assert r.status_code == 200, r.status_code
    return r.data


def _sheet(data: bytes):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(data)).worksheets[0]


def _row_of(ws, code: str) -> int:  # type: ignore[no-untyped-def]
    for row in ws.iter_rows(min_row=1):
        if row[1].value == code:
            return row[0].row
    raise AssertionError(code)


def _upload(client, book: int, data: bytes, name: str = "so-diem.xlsx"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/gradebook/{book}/import",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), name)},
    )


def _save(ws) -> bytes:  # type: ignore[no-untyped-def]
    buf = io.BytesIO()
    ws.parent.save(buf)
    return buf.getvalue()


def test_export_has_the_school_layout_and_values(gb, login_as, audit_rows) -> None:
    c = login_as(gb.t1)
    sid = gb.students_a1[0].id
    for col, v in {
        "tx1": "8",
        "tx2": "7",
        "tx3": "9",
        "tx4": "6,5",
        "gk": "7,5",
        "ck": "8",
    }.items():
        post_cell(c, gb.toan_a1, sid, col, v, 0)
    r = c.get(f"/gradebook/{gb.toan_a1}/export.xlsx")
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["Content-Disposition"]
    ws = _sheet(r.data)
    texts = [str(c.value) for row in ws.iter_rows(max_row=8) for c in row if c.value is not None]
    assert "SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH" in texts
    assert any("Môn học: Toán" in t and "Lớp: 10A1" in t and "Học kỳ I" in t and "2024-2025" in t for t in texts)
    assert ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "ĐĐGtx"] == [ws.cell(7, i).value for i in range(1, 6)]
    assert [ws.cell(8, i).value for i in range(5, 11)] == ["TX1", "TX2", "TX3", "TX4", "GK", "CK"]
    row = _row_of(ws, gb.students_a1[0].student_code)
    assert [ws.cell(row, i).value for i in range(5, 12)] == [8.0, 7.0, 9.0, 6.5, 7.5, 8.0, 7.7]
    assert ws.cell(row, 11).number_format == "0.0"
    assert audit_rows("gradebook.exported")[-1][3]["rows"] == 3


def test_export_neutralises_formulas_in_text(gb, login_as, app) -> None:
    c = login_as(gb.t1)
    sid = gb.students_a1[0].id
    c.htmx(
        "POST",
        f"/gradebook/{gb.toan_a1}/comments",
        data={"student_id": sid, "text": '=HYPERLINK("http://x")', "version": 0},
    )
    ws = _sheet(exported(c, gb.toan_a1))
    row = _row_of(ws, gb.students_a1[0].student_code)
    value = ws.cell(row, 12).value
    assert value.startswith("'=") and ws.cell(row, 12).data_type == "s"


def test_import_preview_then_confirm_saves_everything_at_once(gb, login_as, cell, audit_rows) -> None:
    c = login_as(gb.t1)
    ws = _sheet(exported(c, gb.toan_a1))
    for i, s in enumerate(gb.students_a1):
        r = _row_of(ws, s.student_code)
        ws.cell(r, 5).value = 8.5  # TX1 as an Excel number
        ws.cell(r, 9).value = "7,5"  # GK typed with a decimal comma
        ws.cell(r, 10).value = 6 + i  # CK
    preview = _upload(c, gb.toan_a1, _save(ws))
    assert preview.status_code == 200
    assert 'id="import-changes"' in preview.text and "9 ô thay đổi" in preview.text
    assert cell(gb.toan_a1, gb.students_a1[0].id, "tx1") == (None, 0)  # nothing saved yet
    token = re.search(r'name="payload" value="([^"]+)"', preview.text).group(1)
    done = c.post(f"/gradebook/{gb.toan_a1}/import/confirm", data={"payload": token})
    assert done.status_code == 303
    assert cell(gb.toan_a1, gb.students_a1[0].id, "tx1") == (Decimal("8.5"), 1)
    assert cell(gb.toan_a1, gb.students_a1[2].id, "ck") == (Decimal("8.0"), 1)
    imported = audit_rows("grade.imported")
    assert len(imported) == 1 and imported[0][3]["count"] == 9
    assert not audit_rows("grade.changed")  # one summary event for the import


def test_import_with_bad_rows_lists_every_error_and_saves_nothing(gb, login_as, db_digest) -> None:
    c = login_as(gb.t1)
    ws = _sheet(exported(c, gb.toan_a1))
    r0 = _row_of(ws, gb.students_a1[0].student_code)
    r1 = _row_of(ws, gb.students_a1[1].student_code)
    ws.cell(r0, 5).value = 8
    ws.cell(r1, 5).value = 11
    ws.cell(r1, 6).value = "7,25"
    ws.cell(r1 + 5, 2).value = gb.students_a2[0].student_code  # a student of 10A2
    ws.cell(r1 + 5, 5).value = 9
    before = db_digest()
    preview = _upload(c, gb.toan_a1, _save(ws))
    assert preview.status_code == 422
    assert 'name="payload"' not in preview.text
    assert preview.text.count("<li>Dòng") == 3
    assert "Điểm phải từ 0 đến 10" in preview.text and "một chữ số thập phân" in preview.text
    assert f"{gb.students_a2[0].student_code} không thuộc lớp 10A1" in preview.text
    assert "Canary-B01" not in preview.text
    assert db_digest() == before


def test_a_forged_or_foreign_plan_is_refused(gb, login_as, db_digest) -> None:
    from app.gradebook import imports

    c = login_as(gb.t1)
    before = db_digest()
    r = c.post(f"/gradebook/{gb.toan_a1}/import/confirm", data={"payload": "eyJnYiI6MX0.forged"})
    assert r.status_code == 422
    with c.application.app_context():
        plan = imports.Plan()
        token = imports.sign_plan(plan, gb.toan_a2, gb.t1.id)  # signed for another grade book
    assert c.post(f"/gradebook/{gb.toan_a1}/import/confirm", data={"payload": token}).status_code == 422
    assert db_digest() == before


def test_import_rejects_files_that_are_not_xlsx(gb, login_as) -> None:
    c = login_as(gb.t1)
    r = _upload(c, gb.toan_a1, b"%PDF-1.4 not a sheet", "x.xlsx")
    # core.xlsx says what the file is: "Tệp là PDF, không phải bảng tính Excel (.xlsx)…"
    assert r.status_code == 422 and "Tệp là PDF, không phải bảng tính" in r.text
    r = _upload(c, gb.toan_a1, b"PK\x03\x04garbage", "x.xlsx")
    assert r.status_code == 422


def test_stale_preview_is_409_and_nothing_is_imported(gb, login_as, cell) -> None:
    c = login_as(gb.t1)
    ws = _sheet(exported(c, gb.toan_a1))
    for s in gb.students_a1:
        ws.cell(_row_of(ws, s.student_code), 5).value = 9
    preview = _upload(c, gb.toan_a1, _save(ws))
    token = re.search(r'name="payload" value="([^"]+)"', preview.text).group(1)
    post_cell(c, gb.toan_a1, gb.students_a1[1].id, "tx1", "5", 0)  # someone edits meanwhile
    r = c.post(f"/gradebook/{gb.toan_a1}/import/confirm", data={"payload": token})
    assert r.status_code == 409
    assert cell(gb.toan_a1, gb.students_a1[0].id, "tx1") == (None, 0)
    assert cell(gb.toan_a1, gb.students_a1[1].id, "tx1") == (Decimal("5.0"), 1)


def test_other_users_cannot_import(gb, login_as) -> None:
    assert _upload(login_as(gb.tt_toan), gb.toan_a1, b"x").status_code == 403
    assert _upload(login_as(gb.t2), gb.toan_a1, b"x").status_code == 404
