"""The issuing pipeline's documents per second next to the raw reportlab limit, in one run.
Not a test; prints a table and writes bench/results/pdf_pipeline.json.

    PYTHONPATH=$PWD .venv/bin/python bench/pdf_pipeline.py [--seconds 4] [--profile]

Preparation (not measured): the demo school, every HK I grade book approved and every
class's HK I closed exactly as bench/close_school.py does (its functions). The prepared
database is then copied, one fresh copy per measured run, so each run issues every
student's HK I báo liên lạc from nothing.

"pipeline" is the real thing: a batch job per class (`batches.start_job`), run by
`jobs.run_job` — per item its own transaction: snapshot read, `documents.report_card`,
render with the footer code, `store.write` (temp, fsync, rename, fsync dir), the
IssuedDocument row, the audit event — then the job's merged PDF and ZIP (timed apart).
(a) one process, the 12 jobs in turn; (b) 2 processes (fork, a fresh app each), 6 jobs
each, both writing to the same SQLite file (WAL, busy_timeout, BEGIN IMMEDIATE).
"raw" is bench/pdf_speed.py's raw_bll (reportlab drawing the same page from a constant dict),
measured in the same run with 1 and 2 processes, alongside its builder figure.

The học bạ is not measured here: the demo school has no HK II results to close (only part
of the HK II marks, no HK II rèn luyện), so no cả năm snapshot exists to draw one from.
SQLite only (the copy of the prepared database is a file copy).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing as mp
import os
import platform
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import close_school  # noqa: E402
import pdf_speed  # noqa: E402
from _common import demo_app  # noqa: E402

RESULTS = HERE / "results"
PERIOD = ("hk1", "", "Học kỳ I")


# ---------------------------------------------------------------------------- preparation


def prepare() -> tuple[Path, list[int]]:
    """The demo school with HK I closed in every class: its data folder and class ids."""
    from app.extensions import db

    if os.environ.get("BENCH_DATABASE_URL"):
        raise SystemExit("bench/pdf_pipeline.py copies the prepared SQLite file: unset BENCH_DATABASE_URL")
    app = demo_app()
    close_school._prepare(app)
    ids = close_school.class_ids(app)
    to_close = set(close_school.open_class_ids(app))  # the demo closed 6A1 itself
    for class_id in ids:
        if class_id in to_close:
            close_school.close_class(app, class_id, "hk1")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # the last connection closed: SQLite checkpoints the WAL
    return Path(app.config["SODIENTU_DATA_DIR"]), ids


def fresh_copy(prepared: Path) -> Path:
    target = Path(tempfile.mkdtemp(prefix="sodientu-pipeline-")) / "data"
    shutil.copytree(prepared, target)
    return target


def make_app(folder: Path):  # type: ignore[no-untyped-def]
    from app import create_app

    return create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.db'}",
            "SODIENTU_DATA_DIR": str(folder),
            "RATELIMIT_ENABLED": False,
        }
    )


def queue_jobs(folder: Path, class_ids: list[int]) -> list[int]:
    """One báo liên lạc job per class, queued by its GVCN through the batch service (not run)."""
    from app.accounts.models import User
    from app.extensions import db
    from app.reports import queries
    from app.reports.services import batches
    from app.school.models import SchoolClass

    app = make_app(folder)
    ids = []
    with app.test_request_context("/", method="POST"):
        for class_id in class_ids:
            cls = db.session.get(SchoolClass, class_id)
            gvcn = db.session.get(User, cls.homeroom_teacher_id)
            ids.append(batches.start_job(gvcn, "bao_lien_lac", "class", class_id, queries.Period(*PERIOD)).id)
        db.session.info.pop(batches.DISPATCH, None)  # the bench runs them itself
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids


# ---------------------------------------------------------------------------- running


def run_jobs(args: tuple[Path, list[int], Any, bool]) -> dict[str, Any]:
    """Run the jobs in this process (a fresh app): documents, CPU and wall seconds."""
    folder, job_ids, barrier, profile = args
    from app.extensions import db
    from app.reports import jobs, queries
    from app.reports.services import batches

    app = make_app(folder)
    pdf_speed._job("builder_bll")()  # fonts registered, reportlab warm: as in a long-lived worker
    finishing = [0.0, 0.0]
    originals = {"bundle": batches.bundle, "finish": batches.finish}

    def timed(name: str) -> Any:
        def run(*args: Any) -> Any:
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return originals[name](*args)
            finally:
                finishing[0] += time.process_time() - cpu
                finishing[1] += time.perf_counter() - wall

        return run

    for name in originals:  # the merged PDF + ZIP (bundle) and the job's last row (finish), timed apart
        setattr(batches, name, timed(name))
    profiler = cProfile.Profile() if profile else None
    if barrier is not None:
        barrier.wait()
    cpu, wall = time.process_time(), time.perf_counter()
    with app.app_context():
        if profiler:
            profiler.enable()
        for job_id in job_ids:
            jobs.run_job(job_id)
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        done = [queries.get_job(j) for j in job_ids]
        states = sorted({j.state for j in done if j is not None})
        documents = sum(j.done for j in done if j is not None)
        db.session.remove()
    for name, original in originals.items():
        setattr(batches, name, original)
    out: dict[str, Any] = {
        "documents": documents, "cpu_s": cpu, "wall_s": wall, "states": states,
        "finish_cpu_s": finishing[0], "finish_wall_s": finishing[1],
    }  # fmt: skip
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
        out["profile"] = text.getvalue()
    return out


def pipeline(prepared: Path, class_ids: list[int], processes: int, profile: bool = False) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    folder = fresh_copy(prepared)
    job_ids = queue_jobs(folder, class_ids)
    shares = [job_ids[i::processes] for i in range(processes)]
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(processes)
    answers = ctx.Queue()
    workers = [
        ctx.Process(target=lambda share=share: answers.put(run_jobs((folder, share, barrier, profile))))
        for share in shares
    ]
    for w in workers:
        w.start()
    results = [answers.get() for _ in workers]
    for w in workers:
        w.join()
    engine = create_engine(f"sqlite:///{folder / 'bench.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*), count(DISTINCT sha256) FROM issued_document")).one()
    engine.dispose()
    students = sum(r["documents"] for r in results)
    if rows[0] != students or rows[1] != students:
        raise SystemExit(f"expected {students} distinct documents, found {rows[0]} rows, {rows[1]} files")
    files = sum(1 for _ in (folder / "uploads").glob("*/*"))
    cpu = sum(r["cpu_s"] for r in results)
    wall = max(r["wall_s"] for r in results)
    finish_cpu = sum(r["finish_cpu_s"] for r in results)
    finish_wall = max(r["finish_wall_s"] for r in results)
    shutil.rmtree(folder.parent, ignore_errors=True)
    return {
        "processes": processes,
        "documents": students,
        "job_states": sorted({s for r in results for s in r["states"]}),
        "files_in_store": files,
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "merge_zip_cpu_s": round(finish_cpu, 2),
        "per_cpu_s": round(students / cpu, 1),
        "per_wall_s": round(students / wall, 1),
        # the documents themselves, without each job's merged PDF + ZIP
        "issue_per_cpu_s": round(students / (cpu - finish_cpu), 1),
        "issue_per_wall_s": round(students / (wall - finish_wall), 1),
        "profile": [r.get("profile") for r in results if r.get("profile")],
    }


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds of each raw measurement")
    parser.add_argument("--profile", action="store_true", help="print cProfile of the one-process pipeline")
    parser.add_argument("--prepared", help="reuse the prepared data folder printed by an earlier run")
    options = parser.parse_args()
    figures: dict[str, Any] = {
        "machine": platform.platform(),
        "cpus": mp.cpu_count(),
        "load_average_before": list(os.getloadavg()),
    }
    start = time.perf_counter()
    if options.prepared:  # a folder a previous run kept (--keep): reuse its preparation
        prepared, class_ids = Path(options.prepared), json.loads((Path(options.prepared) / "classes.json").read_text())
    else:
        prepared, class_ids = prepare()
        (prepared / "classes.json").write_text(json.dumps(class_ids))
    figures["prepare_s"] = round(time.perf_counter() - start, 1)
    print(
        f"preparation (demo school, HK I closed in {len(class_ids)} classes): {figures['prepare_s']} s, in {prepared}"
    )
    print(f"{'':<26}{'procs':>6}{'docs':>6}{'per cpu-s':>11}{'per s':>8}{'cpu s':>8}{'wall s':>8}")
    students = 0
    for procs in (1, 2):
        p = pipeline(prepared, class_ids, procs)
        students = max(students, p["documents"])
        r = pdf_speed.measure_pair("bll", procs, options.seconds)
        p.pop("profile")
        if p["job_states"] != ["done"]:  # e.g. SQLITE_BUSY past busy_timeout: the job's row says where
            print(f"!! {procs} processes: job states {p['job_states']}, {p['documents']} of {students} documents")
        for label, per_cpu, per_s, docs, cpu, wall in (
            ("pipeline (with merge+zip)", p["per_cpu_s"], p["per_wall_s"], p["documents"], p["cpu_s"], p["wall_s"]),
            ("pipeline (documents)", p["issue_per_cpu_s"], p["issue_per_wall_s"], "", "", ""),
            ("builder only", r["builder_per_cpu_s"], r["builder_per_wall_s"], "", "", ""),
            ("raw reportlab", r["raw_per_cpu_s"], r["raw_per_wall_s"], "", "", ""),
        ):
            print(f"{label:<26}{procs:>6}{docs!s:>6}{per_cpu:>11.1f}{per_s:>8.1f}{cpu!s:>8}{wall!s:>8}")
        p["ratio_cpu"] = round(p["issue_per_cpu_s"] / r["raw_per_cpu_s"], 3)
        p["ratio_wall"] = round(p["issue_per_wall_s"] / r["raw_per_wall_s"], 3)
        p["ratio_cpu_with_merge_zip"] = round(p["per_cpu_s"] / r["raw_per_cpu_s"], 3)
        p["raw"] = r
        figures[f"bao_lien_lac_{procs}p"] = p
        print(
            f"  pipeline/raw: {p['ratio_cpu']:.0%} per CPU-second, {p['ratio_wall']:.0%} per wall second "
            f"({p['ratio_cpu_with_merge_zip']:.0%} per CPU-second with merge+zip; goal ≥ 70%)"
        )
    figures["hoc_ba"] = "not measured: the demo school has no HK II / cả năm results to close"
    figures["load_average_after"] = list(os.getloadavg())
    print(f"học bạ: {figures['hoc_ba']}")
    print(f"load average before/after: {figures['load_average_before']} / {figures['load_average_after']}")
    if options.profile:  # a separate, unmeasured run: cProfile slows pure Python about twofold
        for text in pipeline(prepared, class_ids, 1, profile=True)["profile"]:
            print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pdf_pipeline.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", "utf-8")


if __name__ == "__main__":
    main()
