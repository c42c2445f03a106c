"""Paste from Excel: one all-or-nothing batch (SECURITY.md 3: a foreign id inside a batch of
valid ones → 404, nothing changed, one authz.denied row naming it)."""

from __future__ import annotations

import json
from decimal import Decimal


def _batch(client, book: int, cells: list[dict]):  # type: ignore[no-untyped-def]
    return client.htmx("POST", f"/gradebook/{book}/cells/batch", data={"cells": json.dumps(cells)})


def test_pasting_a_column_saves_every_cell_and_rerenders_the_grid(gb, login_as, cell, audit_rows) -> None:
    c = login_as(gb.t1)
    column = [
        {"student_id": s.id, "column": "ck", "value": v, "version": 0}
        for s, v in zip(gb.students_a1, ["8", "7,5", "9.5"], strict=True)
    ]
    r = _batch(c, gb.toan_a1, column)
    assert r.status_code == 200
    assert "<html" not in r.text and f'id="gradebook-{gb.toan_a1}-grid"' in r.text
    assert "Đã lưu 3 ô." in r.text
    assert [cell(gb.toan_a1, s.id, "ck")[0] for s in gb.students_a1] == [
        Decimal("8.0"),
        Decimal("7.5"),
        Decimal("9.5"),
    ]
    summary = audit_rows("grade.batch_changed")
    assert len(summary) == 1 and summary[0][3]["count"] == 3
    assert summary[0][3]["cells"][f"{gb.students_a1[1].id}:ck"] == [None, "7.5"]


def test_a_foreign_student_inside_a_batch_rejects_the_whole_batch(gb, login_as, db_digest, audit_rows) -> None:
    c = login_as(gb.t1)
    own = [{"student_id": s.id, "column": "tx1", "value": "8", "version": 0} for s in gb.students_a1]
    foreign = gb.students_a2[1].id
    before = db_digest()
    seq_before = len(audit_rows())
    r = _batch(
        c,
        gb.toan_a1,
        [*own[:2], {"student_id": foreign, "column": "tx1", "value": "1", "version": 0}, own[2]],
    )
    assert r.status_code == 404
    assert "Canary-B" not in r.text
    assert db_digest() == before
    new_rows = audit_rows()[seq_before:]
    assert [(a, t, i) for a, t, i, _ in new_rows] == [("authz.denied", "student", str(foreign))]


def test_a_foreign_column_inside_a_batch_rejects_the_whole_batch(gb, login_as, db_digest) -> None:
    c = login_as(gb.t1)
    before = db_digest()
    cells = [
        {"student_id": gb.students_a1[0].id, "column": "tx1", "value": "8", "version": 0},
        {"student_id": gb.students_a1[0].id, "column": "tx7", "value": "8", "version": 0},
    ]
    assert _batch(c, gb.toan_a1, cells).status_code == 404
    assert db_digest() == before


def test_one_invalid_value_marks_the_cell_and_saves_nothing(gb, login_as, db_digest) -> None:
    c = login_as(gb.t1)
    before = db_digest()
    cells = [
        {"student_id": s.id, "column": "gk", "value": v, "version": 0}
        for s, v in zip(gb.students_a1, ["8", "12", "7"], strict=True)
    ]
    r = _batch(c, gb.toan_a1, cells)
    assert r.status_code == 422
    assert "Có 1 ô không hợp lệ" in r.text and 'value="12"' in r.text and "Điểm phải từ 0 đến 10" in r.text
    assert db_digest() == before


def test_malformed_batch_is_422(gb, login_as) -> None:
    c = login_as(gb.t1)
    assert c.htmx("POST", f"/gradebook/{gb.toan_a1}/cells/batch", data={"cells": "not json"}).status_code == 422
    assert _batch(c, gb.toan_a1, [{"student_id": "x"}]).status_code == 422
    assert _batch(c, gb.toan_a1, []).status_code == 422


def test_batch_is_refused_to_readers(gb, login_as) -> None:
    cells = [{"student_id": gb.students_a1[0].id, "column": "tx1", "value": "8", "version": 0}]
    assert _batch(login_as(gb.tt_toan), gb.toan_a1, cells).status_code == 403
    assert _batch(login_as(gb.t2), gb.toan_a1, cells).status_code == 404
    assert _batch(login_as(gb.ht), gb.toan_a1, cells).status_code == 403
