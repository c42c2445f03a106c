"""The raw limits of the HTTP bench: for each page the bench drives, a minimal Flask view
reading the same rows with ONE statement and rendering a plain Jinja table — no login, no
authorization, no audit, no layout. `bench_http.py` serves it exactly as it serves the app
(gunicorn -w 2, sync) so the ratio of the two is the app's overhead.

- `/grid/<book>`: the grade grid's rows (the class's students and the book's scores);
- `/save/<book>`: one cell save — one UPDATE in its own transaction (the same SQLite
  pragmas as the app: WAL, synchronous=FULL), answering the cell;
- `/review/<department>`: the records waiting for the tổ's review, with their type,
  author, class and subject;
- `/classbook/<class>/<term>`: the class book's rows (every score of every subject of
  the class for the term), each subject's term average computed from them.

    DATABASE_URL=sqlite:////tmp/x/bench.db gunicorn -w 2 bench.minimal_app:app
"""

from __future__ import annotations

import os

from flask import Flask, render_template_string, request
from sqlalchemy import create_engine, event, text

GRID_ROWS = text(
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

SAVE = text(
    """
    UPDATE score SET value = :value, version = version + 1
    WHERE gradebook_id = :book AND student_id = :student AND kind = :kind AND idx = :idx
    RETURNING version
    """
)

REVIEW_ROWS = text(
    """
    SELECT r.id, r.title, r.version, r.last_submitted_at, r.due_date, t.name, u.full_name, c.name, s.name
    FROM record r
    JOIN record_type t ON t.id = r.record_type_id
    JOIN "user" u ON u.id = r.author_id
    LEFT JOIN school_class c ON c.id = r.class_id
    LEFT JOIN subject s ON s.id = r.subject_id
    WHERE r.department_id = :department AND r.state = 'submitted' AND r.awaiting = 'head'
      AND r.deleted_at IS NULL
    ORDER BY r.last_submitted_at DESC
    """
)

CLASSBOOK_ROWS = text(
    """
    SELECT st.id, st.last_name, st.middle_name, st.first_name, g.subject_id, sc.kind, sc.value, sc.comment
    FROM enrollment e
    JOIN student st ON st.id = e.student_id
    JOIN gradebook g ON g.class_id = e.class_id AND g.term_id = :term
    LEFT JOIN score sc ON sc.student_id = st.id AND sc.gradebook_id = g.id
    WHERE e.class_id = :class_id AND e.end_date IS NULL
    ORDER BY st.first_name, st.middle_name, st.last_name, st.id, g.subject_id
    """
)

PAGE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><table><thead><tr>{% for c in columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</tbody>
</table></body></html>"""

GRID_COLUMNS = ["tx1", "tx2", "tx3", "tx4", "gk1", "ck1"]
WEIGHTS = {"tx": 1, "gk": 2, "ck": 3}


def _url() -> str:
    url = os.environ["DATABASE_URL"]
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


engine = create_engine(_url())
if engine.dialect.name == "sqlite":

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        cursor = dbapi_conn.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=10000", "foreign_keys=ON"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()


app = Flask(__name__)


def _name(last: str, middle: str | None, first: str) -> str:
    return " ".join(p for p in (last, middle, first) if p)


def _tenths(value: int | float) -> str:
    return f"{value / 10:.1f}".replace(".", ",")


@app.route("/grid/<int:book>")
def grid(book: int) -> str:
    students: dict[int, list[str]] = {}
    scores: dict[int, dict[str, str]] = {}
    with engine.connect() as conn:
        for sid, last, middle, first, kind, idx, value in conn.execute(GRID_ROWS, {"book": book}):
            students.setdefault(sid, [str(len(students) + 1), _name(last, middle, first)])
            if kind is not None and value is not None:
                scores.setdefault(sid, {})[f"{kind}{idx}"] = _tenths(value)
    rows = [head + [scores.get(sid, {}).get(c, "") for c in GRID_COLUMNS] for sid, head in students.items()]
    return render_template_string(PAGE, title="Sổ điểm", columns=["STT", "Họ và tên", *GRID_COLUMNS], rows=rows)


@app.route("/save/<int:book>", methods=["POST"])
def save(book: int) -> str:
    column = request.form["column"]
    value = round(float(request.form["value"].replace(",", ".")) * 10)
    params = {"book": book, "student": int(request.form["student_id"]), "kind": column[:2], "idx": int(column[2:])}
    with engine.begin() as conn:
        version = conn.execute(SAVE, {**params, "value": value}).scalar()
    return f"<td data-cell='{{\"version\": {version}}}'>{_tenths(value)}</td>"


@app.route("/review/<int:department>")
def review(department: int) -> str:
    rows = []
    with engine.connect() as conn:
        for rid, title, version, submitted, due, kind, author, klass, subject in conn.execute(
            REVIEW_ROWS, {"department": department}
        ):
            rows.append([f"{title} ({kind}, phiên bản {version})", author, f"{klass} · {subject}", submitted, due, rid])
    columns = ["Hồ sơ", "Giáo viên", "Lớp · môn", "Nộp lúc", "Hạn nộp", "Mã"]
    return render_template_string(PAGE, title="Duyệt hồ sơ", columns=columns, rows=rows)


@app.route("/classbook/<int:class_id>/<int:term>")
def classbook(class_id: int, term: int) -> str:
    names: dict[int, str] = {}
    sums: dict[tuple[int, int], list[float]] = {}
    comments: dict[tuple[int, int], str] = {}
    with engine.connect() as conn:
        for sid, last, middle, first, subject, kind, value, comment in conn.execute(
            CLASSBOOK_ROWS, {"class_id": class_id, "term": term}
        ):
            names.setdefault(sid, _name(last, middle, first))
            acc = sums.setdefault((sid, subject), [0.0, 0.0])
            if value is not None:
                acc[0] += value * WEIGHTS[kind]
                acc[1] += WEIGHTS[kind]
            elif comment is not None:
                comments[(sid, subject)] = comment
    subjects = sorted({subject for _, subject in sums})
    rows = []
    for number, (sid, name) in enumerate(names.items(), 1):
        cells = []
        for subject in subjects:
            total, weight = sums.get((sid, subject), (0.0, 0.0))
            cells.append(_tenths(total / weight) if weight else comments.get((sid, subject), ""))
        rows.append([str(number), name, *cells])
    columns = ["STT", "Họ và tên", *(str(s) for s in subjects)]
    return render_template_string(PAGE, title="Sổ chủ nhiệm", columns=columns, rows=rows)
