"""District-sized data on PostgreSQL, and whether the pages keep their demo-school latency.

The app serves one school per database, so a district is either hundreds of databases (each
as fast as the demo school: nothing to learn) or one very large school. This script builds
the second, the harder case: the demo school seeded through the real services, then its
people, classes, students, grade books, scores, score history, attendance, records and their
reviews copied `--copies` times inside PostgreSQL (INSERT … SELECT, one statement per table,
ids offset per copy, unique names suffixed ".k"). 620 copies of the demo's 484 students is
300,080 students and a term of scores (≈ 28 million score rows, as many history rows).

Not copied: the audit trail (the copies did not happen through services, so they have no
events; `flask audit verify` still checks the original chain), term-close snapshots and
everything drawn from them (issued documents, parent links, signing). The parent's pages
are measured for one family of the demo's own 6A1 (bench/_parent_link.py: HK I published,
its báo liên lạc issued, a private link), prepared before the copies.

It measures, in-process on the same database, each page's p50/p99 before the copies (demo
size) and after (district size), for the demo's own users, and prints the ratio — the issue's
goal is ≤ 2×. Writes bench/results/scale.json.

Run: .venv/bin/python bench/scale.py [--copies 620] [--url postgresql://…/sodientu_scale]
     (the database is dropped and created again; `make -s postgres` starts the server)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _parent_link  # noqa: E402
from _common import RESULTS, demo_app, login, measure  # noqa: E402

DEFAULT_URL = "postgresql://app:app@127.0.0.1:5432/sodientu_scale"

#: copied per school copy, parents before children (the FK order)
COPIED = (
    "user",
    "user_role",
    "department",
    "subject",
    "subject_periods",
    "school_class",
    "student",
    "enrollment",
    "guardian",
    "prior_schooling",
    "teaching_assignment",
    "gradebook",
    "score",
    "score_history",
    "student_comment",
    "exemption",
    "correction_request",
    "attendance",
    "conduct",
    "homeroom_remark",
    "record",
    "record_version",
    "record_file",
    "record_decision",
    "record_comment",
)

#: identifiers the copies must not carry (they stand for real people's national numbers)
CLEARED = {("student", "moet_id"), ("student", "national_id")}

#: a user belongs to a department and a department is headed by a user: the users are copied
#: without it and given it once the departments exist
DEFERRED = {("user", "department_id")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=620)
    parser.add_argument("--url", default=os.environ.get("BENCH_SCALE_URL", DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=5)  # a district page may take seconds
    args = parser.parse_args()

    recreate_database(args.url)
    os.environ["BENCH_DATABASE_URL"] = args.url  # demo_app seeds the demo school there
    app = demo_app()
    app.config["SODIENTU_DATA_DIR"] = data_dir(args.url)  # where the parent's PDF is issued
    targets = page_targets(app)
    before = measure_pages(app, targets, args.runs)
    started = time.perf_counter()
    counts = replicate(app, args.copies)
    build_seconds = round(time.perf_counter() - started, 1)
    after = measure_pages(app, targets, args.runs)
    rows = compare(before, after)
    report = {
        "run": {"copies": args.copies, "build_seconds": build_seconds, "load_avg": os.getloadavg()},
        "rows_per_table": counts,
        "pages": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print_report(report)


def recreate_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


class Target(NamedTuple):
    who: str  # a demo username, or PARENT
    label: str
    path: str
    token: str = ""  # the parent's private link (parents have no account)


#: the family of the demo's own 6A1 whose link bench/_parent_link.py prepares
PARENT = "phụ huynh 6A1"


def data_dir(url: str) -> str:
    """The file store of the database, the same for every run on it: the parent's PDF is
    the document issued by the first run (scale.py or scale_pages.py)."""
    name = urlsplit(url).path.lstrip("/")
    folder = Path(tempfile.gettempdir()) / f"sodientu-bench-{name}"
    folder.mkdir(exist_ok=True)
    return str(folder)


def page_targets(app) -> list[Target]:  # type: ignore[no-untyped-def]
    """The pages the issue names, for the demo's own people; the parent's link is prepared
    (HK I of 6A1 published, one báo liên lạc issued) on the database as it is."""
    from app.extensions import db
    from app.gradebook.models import GradeBook
    from app.school.models import SchoolClass, Subject, Term

    with app.app_context():
        c1 = db.session.query(SchoolClass).filter_by(name="6A1").one()
        c2 = db.session.query(SchoolClass).filter_by(name="6A2").one()
        toan = db.session.query(Subject).filter_by(code="TOAN").one()
        term2 = db.session.query(Term).filter_by(year_id=c2.year_id, number=2).one()
        book = db.session.query(GradeBook).filter_by(class_id=c2.id, subject_id=toan.id, term_id=term2.id).one()
        book_id, class_id = book.id, c1.id
    link = _parent_link.prepare(app)
    targets = [
        ("gv.toan", "Sổ điểm (trang lưới)", f"/gradebook/{book_id}"),
        ("gv.toan", "Trang chủ giáo viên", "/"),
        ("totruong.toan", "Hàng chờ duyệt của tổ trưởng", "/records/review"),
        # the hiệu trưởng's queue holds every waiting BGH step of the school (≈ 28,000 at 620 copies)
        ("hieutruong", "Hàng chờ duyệt của hiệu trưởng", "/records/review"),
        ("gvcn.6a1", "Sổ chủ nhiệm 6A1 (HK I)", f"/homeroom/{class_id}?period=1"),
        ("hieutruong", "Trang chủ hiệu trưởng", "/"),
        ("hieutruong", "Danh sách lớp", "/school/classes"),
        ("admin", "Danh sách lớp (quản trị)", "/school/classes"),
    ]
    parent = [
        (PARENT, "Trang báo liên lạc của phụ huynh", "/p/view"),
        # the day's copy of the PDF (the line "Cấp cho phụ huynh của …") is made by a warm-up
        (PARENT, "Tải báo liên lạc PDF (phụ huynh)", f"/p/view/{link.snapshot_id}/pdf"),
    ]
    return [Target(*t) for t in targets] + [Target(*t, token=link.token) for t in parent]


def client_for(app, target: Target):  # type: ignore[no-untyped-def]
    """A test client signed in as the target's user, or holding the parent's cookie."""
    return _parent_link.open_link(app, target.token) if target.token else login(app, target.who)


def measure_pages(app, targets, runs: int) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    clients: dict[str, object] = {}
    figures = {}
    for target in targets:
        if target.who not in clients:
            clients[target.who] = client_for(app, target)

        def fetch(c=clients[target.who], p=target.path, who=target.who):  # type: ignore[no-untyped-def]
            response = c.get(p)  # type: ignore[attr-defined]
            if response.status_code != 200:
                raise SystemExit(f"{who} {p}: HTTP {response.status_code}")

        figures[f"{target.who}: {target.label}"] = measure(target.label, fetch, runs=runs, warmup=3)
    return figures


def replicate(app, copies: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        metadata = db.metadata
        offsets = {name: _max_id(db, name) for name in COPIED if "id" in metadata.tables[name].c}
        counts = {}
        for name in COPIED:
            table = metadata.tables[name]
            statement = _copy_statement(table, offsets, copies)
            started = time.perf_counter()
            with _without_secondary_structures(db, name):
                db.session.execute(text(statement), {"copies": copies})
            db.session.commit()
            counts[name] = db.session.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            print(f"  {name:<22} {counts[name]:>11,} rows   {time.perf_counter() - started:6.1f} s", flush=True)
            for deferred_table, column in DEFERRED:
                target = next(iter(metadata.tables[deferred_table].c[column].foreign_keys)).column.table.name
                if target == name:
                    db.session.execute(text(_deferred_update(deferred_table, column, offsets, target)))
                    db.session.commit()
        for name in offsets:
            db.session.execute(
                text(f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT max(id) FROM \"{name}\"))")
            )
        db.session.commit()
        vacuum_analyze(db.engine, metadata.tables)
    return counts


def vacuum_analyze(engine, tables) -> None:  # type: ignore[no-untyped-def]
    """VACUUM (ANALYZE) of the copied tables, ANALYZE of the others (as the whole-database
    ANALYZE did before). ANALYZE alone gives the planner its figures but leaves the copied
    pages out of the visibility map until autovacuum reaches them (minutes later); until
    then every index-only scan (the queues' counts, the class list's) visits the heap, and
    the after-copy figures would measure that passing state, not the district. VACUUM
    cannot run in a transaction, hence the autocommit connection."""
    from sqlalchemy import text

    others = [name for name in tables if name not in COPIED]
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE) " + ", ".join(f'"{name}"' for name in COPIED)))
        connection.execute(text("ANALYZE " + ", ".join(f'"{name}"' for name in others)))


#: tables of tens of millions of rows: their indexes and foreign keys are dropped for the copy
#: and built again once (far faster than maintaining them row by row)
BULK = {"score", "score_history"}


class _without_secondary_structures:
    def __init__(self, db, name: str) -> None:  # type: ignore[no-untyped-def]
        self.db, self.name, self.restore = db, name, []

    def __enter__(self) -> None:
        from sqlalchemy import text

        if self.name not in BULK:
            return
        session = self.db.session
        oid = f"'\"{self.name}\"'::regclass"
        constraints = session.execute(
            text(
                f"SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = {oid} AND contype = 'f'"
            )
        ).all()
        indexes = session.execute(
            text(
                f"SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                f"WHERE x.indrelid = {oid} AND NOT x.indisprimary "
                f"AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
            )
        ).all()
        for name, definition in constraints:
            session.execute(text(f'ALTER TABLE "{self.name}" DROP CONSTRAINT "{name}"'))
            self.restore.append(f'ALTER TABLE "{self.name}" ADD CONSTRAINT "{name}" {definition}')
        for name, definition in indexes:
            session.execute(text(f'DROP INDEX "{name}"'))
            self.restore.append(definition)

    def __exit__(self, *exc: object) -> None:
        from sqlalchemy import text

        for statement in reversed(self.restore):
            self.db.session.execute(text(statement))


def _deferred_update(name: str, column: str, offsets: dict[str, int], target: str) -> str:
    own, theirs = offsets[name], offsets[target]
    copy = f"((c.id - 1) / {own})"
    return (
        f'UPDATE "{name}" c SET "{column}" = o."{column}" + {copy} * {theirs} FROM "{name}" o '
        f'WHERE c.id > {own} AND o.id = c.id - {copy} * {own} AND o."{column}" IS NOT NULL'
    )


def _max_id(db, name: str) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    return int(db.session.execute(text(f'SELECT coalesce(max(id), 0) FROM "{name}"')).scalar_one())


def _copy_statement(table, offsets: dict[str, int], copies: int) -> str:  # type: ignore[no-untyped-def]
    """INSERT … SELECT of every row of `table` once per copy k = 1..copies."""
    shifted = {
        column.name: _offset_of(table, column, offsets)
        for column in table.columns
        if _offset_of(table, column, offsets)
    }
    suffixed = _suffixed_columns(table, shifted)
    names, values = [], []
    for column in table.columns:
        names.append(f'"{column.name}"')
        if (table.name, column.name) in CLEARED | DEFERRED:
            values.append("NULL")
        elif column.name in shifted:
            values.append(
                f'CASE WHEN t."{column.name}" IS NULL THEN NULL ELSE t."{column.name}" + k * {shifted[column.name]} END'
            )
        elif column.name in suffixed:
            length = getattr(column.type, "length", None) or 200
            values.append(f"left(t.\"{column.name}\", {length - 5}) || '.' || k")
        else:
            values.append(f't."{column.name}"')
    return (
        f'INSERT INTO "{table.name}" ({", ".join(names)}) '
        f'SELECT {", ".join(values)} FROM "{table.name}" t, generate_series(1, :copies) AS k '
        f"WHERE {_originals(table, offsets)}"
    )


def _offset_of(table, column, offsets: dict[str, int]) -> int:  # type: ignore[no-untyped-def]
    if column.primary_key and column.name == "id" and table.name in offsets:
        return offsets[table.name]
    for key in column.foreign_keys:
        target = key.column.table.name
        if target in offsets:
            return offsets[target]
    return 0


def _suffixed_columns(table, shifted: dict[str, int]) -> set[str]:  # type: ignore[no-untyped-def]
    """String columns of a unique key that no shifted id keeps unique by itself."""
    from sqlalchemy import Index, String, UniqueConstraint

    keys = [[c] for c in table.columns if c.unique]
    keys += [list(c.columns) for c in table.constraints if isinstance(c, UniqueConstraint)]
    keys += [list(i.columns) for i in table.indexes if isinstance(i, Index) and i.unique]
    suffixed = set()
    for key in keys:
        if any(column.name in shifted for column in key):
            continue
        suffixed |= {column.name for column in key if isinstance(column.type, String)}
    return suffixed


def _originals(table, offsets: dict[str, int]) -> str:  # type: ignore[no-untyped-def]
    """The demo's own rows (those present before the first copy)."""
    if table.name in offsets:
        return f"t.id <= {offsets[table.name]}"
    for column in table.columns:
        for key in column.foreign_keys:
            target = key.column.table.name
            if target in offsets:
                return f't."{column.name}" <= {offsets[target]}'
    raise SystemExit(f"{table.name}: no id to tell the originals from the copies")


def compare(before: dict[str, dict], after: dict[str, dict]) -> list[dict]:
    rows = []
    for label, demo in before.items():
        scale = after[label]
        rows.append(
            {
                "page": label,
                "demo_p50_ms": demo["p50_ms"],
                "demo_p99_ms": demo["p99_ms"],
                "scale_p50_ms": scale["p50_ms"],
                "scale_p99_ms": scale["p99_ms"],
                "ratio_p50": round(scale["p50_ms"] / demo["p50_ms"], 2),
            }
        )
    return rows


def print_report(report: dict) -> None:
    run = report["run"]
    students = report["rows_per_table"]["student"]
    print(
        f"\n{run['copies']} bản sao: {students:,} học sinh, dựng trong {run['build_seconds']} s (tải {run['load_avg']})"
    )
    for row in report["pages"]:
        verdict = "đạt" if row["ratio_p50"] <= 2 else "CHƯA ĐẠT"
        print(
            f"{row['page']:<48} demo p50 {row['demo_p50_ms']:>8.2f} ms   quy mô p50 {row['scale_p50_ms']:>8.2f} ms "
            f"(p99 {row['scale_p99_ms']:>8.2f})   {row['ratio_p50']:>5.2f}×  {verdict}"
        )


if __name__ == "__main__":
    main()
