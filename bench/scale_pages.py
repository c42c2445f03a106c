"""bench/scale.py's pages measured again without building the district: on a demo-sized
PostgreSQL database and on an existing district-sized one (`sodientu_scale`), in one run,
with each page's statement count. Both databases must be at the latest migration. Each run
writes on both the same way (bench/_parent_link.py: HK I of 6A1 published and one báo liên
lạc issued the first time, a new private link every time) for the parent's two pages.

Run: .venv/bin/python bench/scale_pages.py [--demo-url …/sodientu_scale_demo] [--url …/sodientu_scale]
     [--seed-demo]  (drops and seeds the demo database first, as scale.py does before copying)
Writes bench/results/scale_pages.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402
from _common import RESULTS, demo_app  # noqa: E402

DEMO_URL = "postgresql://app:app@127.0.0.1:5432/sodientu_scale_demo"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-url", default=os.environ.get("BENCH_DEMO_URL", DEMO_URL))
    parser.add_argument("--url", default=os.environ.get("BENCH_SCALE_URL", scale.DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed-demo", action="store_true")
    args = parser.parse_args()

    if args.seed_demo:
        scale.recreate_database(args.demo_url)
        os.environ["BENCH_DATABASE_URL"] = args.demo_url
        demo_app()
    figures, counts = {}, {}
    for name, url in (("demo", args.demo_url), ("district", args.url)):
        app = _app(url)
        targets = scale.page_targets(app)
        figures[name] = scale.measure_pages(app, targets, args.runs)
        counts[name] = statement_counts(app, targets)
    rows = scale.compare(figures["demo"], figures["district"])
    for row in rows:
        row["statements_demo"] = counts["demo"][row["page"]]
        row["statements_district"] = counts["district"][row["page"]]
    report = {"run": {"load_avg": os.getloadavg(), "runs": args.runs}, "pages": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale_pages.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\ntải {report['run']['load_avg']}")
    for row in rows:
        verdict = "đạt" if row["ratio_p50"] <= 2 else "CHƯA ĐẠT"
        print(
            f"{row['page']:<48} demo {row['demo_p50_ms']:>7.2f} ms   quy mô {row['scale_p50_ms']:>7.2f} ms   "
            f"{row['ratio_p50']:>5.2f}×  {verdict}   câu lệnh {row['statements_demo']}/{row['statements_district']}"
        )


def _app(url: str):  # type: ignore[no-untyped-def]
    from app import create_app

    config = {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "SODIENTU_DATA_DIR": scale.data_dir(url)}
    return create_app({**config, "RATELIMIT_ENABLED": False})


def statement_counts(app, targets) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """The statements of one warm request of each page (an engine listener)."""
    from sqlalchemy import event

    from app.extensions import db

    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(statement)

    clients: dict[str, object] = {}
    out = {}
    for target in targets:
        if target.who not in clients:
            clients[target.who] = scale.client_for(app, target)
        client = clients[target.who]
        client.get(target.path)  # type: ignore[attr-defined]
        seen.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            client.get(target.path)  # type: ignore[attr-defined]
        finally:
            event.remove(engine, "before_cursor_execute", count)
        out[f"{target.who}: {target.label}"] = len(seen)
    return out


if __name__ == "__main__":
    main()
