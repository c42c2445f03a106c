"""Grade book latency on the demo school (in-process; SQLite, or BENCH_DATABASE_URL):
grid render and one-cell save (p50/p95/p99), plus the homeroom summary and a 40-cell paste.

Run: .venv/bin/python bench/bench_gradebook.py   (or `make bench`)
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import demo_app, login, measure, save  # noqa: E402


def main() -> None:
    app = demo_app()
    with app.app_context():
        from app.extensions import db
        from app.gradebook.models import GradeBook
        from app.school.models import SchoolClass, Subject, Term

        cls = db.session.query(SchoolClass).filter_by(name="6A2").one()
        toan = db.session.query(Subject).filter_by(code="TOAN").one()
        term2 = db.session.query(Term).filter_by(year_id=cls.year_id, number=2).one()
        book = db.session.query(GradeBook).filter_by(class_id=cls.id, subject_id=toan.id, term_id=term2.id).one().id
        class_6a1 = db.session.query(SchoolClass.id).filter_by(name="6A1").scalar()
        size = len(cls.enrollments)
    teacher = login(app, "gv.toan")
    page = teacher.get(f"/gradebook/{book}").text
    students = [int(s) for s in re.findall(r'<tr data-student="(\d+)">', page)]
    assert len(students) == size, (len(students), size)
    rows = [
        measure(
            f"gv.toan: GET sổ điểm Toán 6A2 HK II ({size} HS, trang)",
            lambda: teacher.get(f"/gradebook/{book}"),
        ),
        measure(
            "gv.toan: GET sổ điểm (htmx fragment)",
            lambda: teacher.get(f"/gradebook/{book}", headers={"HX-Request": "true"}),
        ),
    ]
    state = {"version": 0, "i": 0}
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    headers = {"HX-Request": "true", "X-CSRFToken": csrf}

    def save_cell() -> None:
        state["i"] += 1
        r = teacher.post(
            f"/gradebook/{book}/cells",
            headers=headers,
            data={
                "student_id": students[0],
                "column": "tx3",
                "value": f"{5 + state['i'] % 5},5",
                "version": state["version"],
            },
        )
        assert r.status_code == 200, r.status_code
        state["version"] += 1

    rows.append(measure("gv.toan: POST một ô điểm (htmx, có kiểm tra phiên bản)", save_cell))
    paste: dict = {"v": {}, "run": 0}

    def paste_column() -> None:
        paste["run"] += 1  # a different value every run, so every cell really changes
        cells = [
            {
                "student_id": s,
                "column": "tx4",
                "value": str(5 + paste["run"] % 5),
                "version": paste["v"].get(s, 0),
            }
            for s in students
        ]
        r = teacher.post(f"/gradebook/{book}/cells/batch", headers=headers, data={"cells": json.dumps(cells)})
        assert r.status_code == 200, r.status_code
        for s in students:
            paste["v"][s] = paste["v"].get(s, 0) + 1

    rows.append(measure(f"gv.toan: POST dán một cột ({size} ô)", paste_column, runs=50, warmup=3))
    gvcn = login(app, "gvcn.6a1")
    rows.append(
        measure(
            "gvcn.6a1: GET trang chủ nhiệm 6A1 (HK I)",
            lambda: gvcn.get(f"/gradebook/homeroom/{class_6a1}?period=1"),
            runs=50,
        )
    )
    rows.append(
        measure(
            "gvcn.6a1: GET trang chủ nhiệm 6A1 (cả năm)",
            lambda: gvcn.get(f"/gradebook/homeroom/{class_6a1}?period=year"),
            runs=50,
        )
    )
    save("gradebook", rows)


if __name__ == "__main__":
    main()
