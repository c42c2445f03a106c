"""Where the issuing pipeline's time and statements go, on a school bench/pdf_pipeline.py
prepared (not a measurement: cProfile slows pure Python about twofold).

    PYTHONPATH=$PWD .venv/bin/python bench/profile_pipeline.py --prepared /tmp/sodientu-bench-… \
        [--kind bao_lien_lac|hoc_ba] [--jobs 3] [--top 40] [--sort tottime]

Runs `--jobs` of the class jobs in one process on a fresh copy of the prepared database,
counts the SQL statements per issued document (by statement shape, most frequent first)
and prints cProfile's table. Without --profile-off the statement counts come from the same
run as the profile.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import json
import pstats
import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import pdf_pipeline  # noqa: E402
import pdf_speed  # noqa: E402


def shape(statement: str) -> str:
    """The statement without its literal lists (IN (?, ?, …) → IN (…)), cut to its start."""
    text = re.sub(r"\((?:\?|%\(\w+\)s|\$\d+)(?:, (?:\?|%\(\w+\)s|\$\d+))*\)", "(…)", " ".join(statement.split()))
    return text[:150]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prepared", required=True, help="the data folder bench/pdf_pipeline.py prepared")
    parser.add_argument("--kind", default="bao_lien_lac", choices=("bao_lien_lac", "hoc_ba"))
    parser.add_argument("--jobs", type=int, default=3, help="how many class jobs to run")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--profile-off", action="store_true", help="only count statements and time")
    options = parser.parse_args()

    from sqlalchemy import event

    from app.extensions import db

    prepared = Path(options.prepared)
    class_ids = json.loads((prepared / "classes.json").read_text())[: options.jobs]
    folder = pdf_pipeline.fresh_copy(prepared)
    try:
        if options.kind == "hoc_ba":
            pdf_pipeline.add_year_results(folder)
        job_ids = pdf_pipeline.queue_jobs(folder, class_ids, options.kind)
        app = pdf_pipeline.make_app(folder)
        pdf_speed._job("builder_hoc_ba")()
        pdf_speed._job("builder_bll")()
        seen: collections.Counter[str] = collections.Counter()

        def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
            seen[shape(statement)] += 1

        profiler = None if options.profile_off else cProfile.Profile()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        cpu, wall, finished = pdf_pipeline.run_timed(app, job_ids, profiler)
        event.remove(engine, "before_cursor_execute", count)
        done = sum(n for _, n in finished)
        total = sum(seen.values())
        print(f"{options.kind}: {done} documents, {cpu:.2f} CPU s, {wall:.2f} wall s, {done / cpu:.1f} per CPU-s")
        print(f"statements: {total} ({total / done:.2f} per document)")
        for text, n in seen.most_common(30):
            print(f"{n / done:7.2f}  {text}")
        if profiler:
            pstats.Stats(profiler).sort_stats(options.sort).print_stats(options.top)
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
