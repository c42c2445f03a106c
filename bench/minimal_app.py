"""The raw limit of the HTTP bench: a minimal Flask view reading the grade grid's rows — the
class's students and the book's scores — with ONE query and rendering a plain Jinja table,
with no login, no authorization, no audit and no layout. `bench_http.py` serves it exactly
as it serves the app (gunicorn -w 2, sync) so the ratio of the two is the app's overhead.

    DATABASE_URL=sqlite:////tmp/x/bench.db gunicorn -w 2 bench.minimal_app:app
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string
from sqlalchemy import create_engine, text

ROWS = text(
    """
    SELECT s.id, s.last_name, s.middle_name, s.first_name, sc.kind, sc.idx, sc.value
    FROM enrollment e
    JOIN student s ON s.id = e.student_id
    JOIN gradebook g ON g.class_id = e.class_id AND g.id = :book
    LEFT JOIN score sc ON sc.student_id = s.id AND sc.gradebook_id = g.id
    WHERE e.end_date IS NULL
    ORDER BY s.first_name, s.middle_name, s.last_name, s.id
    """
)

PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Sổ điểm</title></head>
<body><table><thead><tr><th>STT</th><th>Họ và tên</th>{% for c in columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for s in students %}<tr><td>{{ loop.index }}</td><td>{{ s.name }}</td>
{% for c in columns %}<td>{{ s.scores.get(c, "") }}</td>{% endfor %}</tr>{% endfor %}</tbody></table></body></html>"""

COLUMNS = ["tx1", "tx2", "tx3", "tx4", "gk1", "ck1"]


def _url() -> str:
    url = os.environ["DATABASE_URL"]
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


engine = create_engine(_url())
app = Flask(__name__)


@app.route("/grid/<int:book>")
def grid(book: int) -> str:
    students: dict[int, dict] = {}
    with engine.connect() as conn:
        for sid, last, middle, first, kind, idx, value in conn.execute(ROWS, {"book": book}):
            row = students.setdefault(sid, {"name": " ".join(p for p in (last, middle, first) if p), "scores": {}})
            if kind is not None and value is not None:
                row["scores"][f"{kind}{idx}"] = f"{value / 10:.1f}".replace(".", ",")
    return render_template_string(PAGE, students=list(students.values()), columns=COLUMNS)
