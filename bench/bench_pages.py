"""Page latency on the demo school (in-process, SQLite): the foundation's 'well under 100 ms'.

Run: .venv/bin/python bench/bench_pages.py   (or `make bench`)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import demo_app, login, measure, save  # noqa: E402


def main() -> None:
    app = demo_app()
    with app.app_context():
        from app.extensions import db
        from app.school.models import SchoolClass

        class_id = db.session.query(SchoolClass.id).filter_by(name="6A1").scalar()
    rows = []
    for username in ("gv.toan", "hieutruong", "admin"):
        client = login(app, username)
        for label, path in (
            ("GET / (trang chủ)", "/"),
            ("GET /school/classes", "/school/classes"),
            ("GET lớp 6A1 (40 HS)", f"/school/classes/{class_id}"),
        ):
            rows.append(measure(f"{username}: {label}", lambda c=client, p=path: c.get(p)))
    save("pages", rows)


if __name__ == "__main__":
    main()
