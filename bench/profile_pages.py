"""In-process profile of the pages the HTTP bench drives: per page, CPU time per request
(`time.process_time`), SQL statements per request, and (with --profile PAGE) the cProfile
top functions. The demo school on a temporary SQLite file, the real request through the
Flask test client (login, authorization, templates: everything but the HTTP server).

Run: PYTHONPATH=. .venv/bin/python bench/profile_pages.py [--runs 30] [--profile classbook]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import demo_app, login  # noqa: E402
from sqlalchemy import event  # noqa: E402


def _ids(app):  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.gradebook.models import GradeBook
    from app.school.models import SchoolClass, Subject, Term

    with app.app_context():
        c2 = db.session.query(SchoolClass).filter_by(name="6A2").one()
        c1 = db.session.query(SchoolClass).filter_by(name="6A1").one()
        toan = db.session.query(Subject).filter_by(code="TOAN").one()
        t2 = db.session.query(Term).filter_by(year_id=c2.year_id, number=2).one()
        book = db.session.query(GradeBook).filter_by(class_id=c2.id, subject_id=toan.id, term_id=t2.id).one()
        return book.id, c1.id


def _getter(client, url):  # type: ignore[no-untyped-def]
    return lambda: client.get(url)


def _saver(client, book: int):  # type: ignore[no-untyped-def]
    """One ĐĐGtx cell saved again and again, each save carrying the version the last returned."""
    page = client.get(f"/gradebook/{book}").text
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)  # type: ignore[union-attr]
    student, version = re.search(r'"student_id": (\d+), "column": "tx1", "version": (\d+)', page).groups()  # type: ignore[union-attr]
    state = {"version": int(version), "n": 0}
    headers = {"HX-Request": "true", "X-CSRFToken": csrf}

    def save():  # type: ignore[no-untyped-def]
        state["n"] += 1
        data = {"student_id": student, "column": "tx1", "value": f"{5 + state['n'] % 5},5", "version": state["version"]}
        response = client.post(f"/gradebook/{book}/cells", headers=headers, data=data)
        state["version"] = int(re.search(r'"version": (\d+)', response.text).group(1))  # type: ignore[union-attr]
        return response

    return save


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", default="")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--sort", default="cumulative", help="cumulative | tottime")
    parser.add_argument("--sql", default="", help="print the statements of one request of this page")
    opts = parser.parse_args()
    app = demo_app()
    book, class_6a1 = _ids(app)
    teacher, head, gvcn = login(app, "gv.toan"), login(app, "totruong.toan"), login(app, "gvcn.6a1")
    anon = app.test_client()
    get = {
        "grid": (teacher, f"/gradebook/{book}"),
        "review": (head, "/records/review"),
        "classbook": (gvcn, f"/homeroom/{class_6a1}?period=1"),
        "home": (teacher, "/"),
        # the floor of a signed-in page: the session, the user and roles, the navigation,
        # the layout and a small form — no page data
        "floor": (teacher, "/account/password"),
        "login": (anon, "/login"),
    }
    pages = {name: (_getter(client, url), url) for name, (client, url) in get.items()}
    pages["save"] = (_saver(teacher, book), f"/gradebook/{book}/cells")
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    count = [0]
    shown: list[str] = []

    def _count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        count[0] += 1
        shown.append(" ".join(statement.split())[:220])

    event.listen(engine, "before_cursor_execute", _count)
    for name, (request, url) in pages.items():
        for _ in range(3):
            assert request().status_code == 200, (name, url)
        count[0] = 0
        start = time.process_time()
        for _ in range(opts.runs):
            request()
        cpu = (time.process_time() - start) * 1000 / opts.runs
        print(f"{name:<10} {cpu:7.1f} ms CPU/request   {count[0] / opts.runs:5.1f} statements   {url}")
        if name == opts.sql:
            shown.clear()
            request()
            print("\n".join(f"  {i + 1:>2}. {q}" for i, q in enumerate(shown)))
        shown.clear()
        if name == opts.profile:
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(opts.runs):
                request()
            prof.disable()
            pstats.Stats(prof).sort_stats(opts.sort).print_stats(opts.top)


if __name__ == "__main__":
    main()
