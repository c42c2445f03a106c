"""SECURITY.md 14: two tabs saving the same cell — the second is refused with the current
value (version compared inside the UPDATE), 200 times with real threads; runs on SQLite and,
with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import re
import threading
from decimal import Decimal

from tests.gradebook.conftest import post_cell

ITERATIONS = 200


def test_no_lost_update_when_two_tabs_save_the_same_cell(gb, login_as, cell, audit_rows) -> None:
    tabs = [login_as(gb.t1), login_as(gb.t1)]
    sid = gb.students_a1[0].id
    wins = {0: 0, 1: 0}
    for i in range(ITERATIONS):
        value, version = cell(gb.toan_a1, sid, "tx1")
        typed = [f"{(i % 9) + 1},5", f"{(i % 9) + 1}"]  # the two tabs type different values
        barrier = threading.Barrier(2)
        results: list = [None, None]

        def save(k: int, barrier=barrier, results=results, typed=typed, version=version) -> None:
            barrier.wait()
            results[k] = post_cell(tabs[k], gb.toan_a1, sid, "tx1", typed[k], version)

        threads = [threading.Thread(target=save, args=(k,)) for k in (0, 1)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        statuses = sorted(r.status_code for r in results)
        assert statuses == [200, 409], (i, statuses)
        winner = next(k for k in (0, 1) if results[k].status_code == 200)
        loser = results[1 - winner]
        wins[winner] += 1
        final, final_version = cell(gb.toan_a1, sid, "tx1")
        assert final == Decimal(typed[winner].replace(",", ".")), i  # the first committed value
        assert final_version == version + 1
        shown = re.search(r'value="([^"]*)"', loser.text).group(1)
        assert shown.replace(",", ".").rstrip("0").rstrip(".") == typed[winner].replace(",", ".").rstrip("0").rstrip(
            "."
        ), (i, shown)  # the loser sees the winner's value
    assert len(audit_rows("grade.changed")) == ITERATIONS  # one per accepted write, none for losers
    assert wins[0] + wins[1] == ITERATIONS


def test_a_double_click_saves_once(gb, login_as, cell, audit_rows) -> None:
    c = login_as(gb.t1)
    sid = gb.students_a1[1].id
    first = post_cell(c, gb.toan_a1, sid, "gk", "8", 0)
    second = post_cell(c, gb.toan_a1, sid, "gk", "8", 0)  # htmx retry of the same request
    assert (first.status_code, second.status_code) == (200, 409)
    assert cell(gb.toan_a1, sid, "gk") == (Decimal("8.0"), 1)
    assert len(audit_rows("grade.changed")) == 1


def test_paste_batch_with_one_stale_cell_saves_nothing(gb, login_as, cell, db_digest) -> None:
    import json

    c = login_as(gb.t1)
    a, b = gb.students_a1[0].id, gb.students_a1[1].id
    assert post_cell(c, gb.toan_a1, b, "tx1", "5", 0).status_code == 200
    before = db_digest()
    cells = [
        {"student_id": a, "column": "tx1", "value": "9", "version": 0},
        {"student_id": b, "column": "tx1", "value": "9", "version": 0},
    ]  # b is now version 1
    r = c.htmx("POST", f"/gradebook/{gb.toan_a1}/cells/batch", data={"cells": json.dumps(cells)})
    assert r.status_code == 409 and "chưa ô nào được lưu" in r.text
    assert db_digest() == before
    assert cell(gb.toan_a1, a, "tx1") == (None, 0)
