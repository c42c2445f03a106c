"""The issuing pipeline's documents per second next to the raw reportlab limit, in one run.
Not a test; prints a table and writes bench/results/pdf_pipeline.json.

    PYTHONPATH=$PWD .venv/bin/python bench/pdf_pipeline.py [--seconds 4] [--profile]

Preparation (not measured): the demo school, every HK I grade book approved and every
class's HK I closed exactly as bench/close_school.py does (its functions). The prepared
database is then copied, one fresh copy per measured run, so each run issues every
student's HK I báo liên lạc from nothing.

"pipeline" is the real thing: a batch job per class (`batches.start_job`), run by
`jobs.run_job` — by chunks: snapshot read, `documents.*`, render with the footer code and
QR, `store.write` (temp, fsync, rename, fsync dir) in a read-only transaction; then per
item its own write transaction: the IssuedDocument row, the audit event — then the job's
merged PDF and ZIP (timed apart). (a) one process, the 12 jobs in turn; (b) 2 processes
(fork, a fresh app each), 6 jobs each, both writing to the same SQLite file (WAL,
busy_timeout, BEGIN IMMEDIATE). "raw" is bench/pdf_speed.py's raw_bll / raw_hoc_ba
(stock reportlab drawing the same page from a constant dict: every face's subset made and
compressed per document), drawn in the pipeline's own
processes between its jobs (RAW_PER_JOB after each: both see the machine as it is — a
shared machine's load moved the raw figure by a third within an hour), and measured apart
in the same run with 1 and 2 processes, alongside its builder figure. Both for the HK I báo liên lạc and the học bạ.

The học bạ: the demo school has no HK II results to close (only part of the HK II marks,
no HK II rèn luyện), so no cả năm snapshot exists to draw one from; `add_year_results`
writes them into the fresh copy (from each student's real HK I snapshot, three years, so
each học bạ has 4 pages like raw_hoc_ba), and the pipeline then runs as for real ones.
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
KIND_TITLES = {"bao_lien_lac": "báo liên lạc HK I (1 page)", "hoc_ba": "học bạ, 3 years (4 pages)"}


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


PAST_YEARS = ((2022, "2022-2023"), (2023, "2023-2024"))


def add_year_results(folder: Path) -> None:
    """Cả năm snapshots for every student, for a 4-page học bạ (identity page + 3 years).

    The demo school has no HK II results to close, so these are made here, not by a close:
    the current year's from each student's real HK I snapshot (its subjects, marks and
    comments; HK II = HK I, the year's result = HK I's, rèn luyện, absences, decision and
    title from the tests' year payload), and two earlier years of the same content, each in
    a class of its own year (so the current classes' "cả năm" lists one snapshot per
    student). The học bạ pipeline then reads, draws and records exactly as for real ones."""
    import copy
    from datetime import date

    from sqlalchemy import select

    from app.extensions import db
    from app.results import snapshots
    from app.results.models import ResultSnapshot
    from app.school.models import SchoolClass, SchoolYear
    from tests.reports.conftest import year_payload

    app = make_app(folder)
    with app.app_context():
        past = []
        for start, name in PAST_YEARS:
            year = SchoolYear(start_year=start, end_year=start + 1, start_date=date(start, 9, 5),
                              end_date=date(start + 1, 5, 31), is_current=False)  # fmt: skip
            db.session.add(year)
            db.session.flush()
            cls = SchoolClass(year_id=year.id, name=f"Lớp {name}", grade_level=6)
            db.session.add(cls)
            db.session.flush()
            past.append((year, cls, name))
        terms = db.session.scalars(select(ResultSnapshot).where(ResultSnapshot.period == "hk1")).all()
        extra = year_payload()
        for term in terms:
            body = copy.deepcopy(term.data)
            body.update({k: extra[k] for k in ("conduct", "absences", "title", "decision", "learning")})
            body.update(kind="cn", period_label="Cả năm")
            for subject in body["subjects"]:
                subject["terms"]["hk2"] = copy.deepcopy(subject["terms"]["hk1"])
                subject["year"], subject["retest"] = subject["terms"]["hk1"].get("result"), None
            versions = [(term.year_id, term.class_id, body)]
            for year, cls, name in past:
                old = copy.deepcopy(body)
                old["year"] = {"id": year.id, "name": name}
                old["class"] = {"id": cls.id, "name": cls.name, "grade_level": 6}
                versions.append((year.id, cls.id, old))
            for year_id, class_id, payload in versions:
                text = snapshots.canonical(payload)
                db.session.add(ResultSnapshot(student_id=term.student_id, class_id=class_id, year_id=year_id,
                                              period="cn", period_ref="", version=1, payload=text,
                                              sha256=snapshots.digest(text)))  # fmt: skip
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def queue_jobs(folder: Path, class_ids: list[int], kind: str = "bao_lien_lac") -> list[int]:
    """One job per class, queued by its GVCN through the batch service (not run)."""
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
            period = queries.Period(*PERIOD) if kind == "bao_lien_lac" else queries.Period("cn", "", "Cả năm")
            ids.append(batches.start_job(gvcn, kind, "class", class_id, period).id)
        db.session.info.pop(batches.DISPATCH, None)  # the bench runs them itself
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return ids


# ---------------------------------------------------------------------------- running


def run_timed(app, job_ids: list[int], profiler: cProfile.Profile | None = None, between=None):  # type: ignore[no-untyped-def]
    """Runs the jobs one after the other in this process: (CPU s, wall s, [each finished
    job's (state, documents done)]). `between`, if given, runs after each job, untimed here
    (the raw drawing interleaved with the pipeline: both see the machine as it is)."""
    from app.extensions import db
    from app.reports import jobs, queries

    cpu = wall = 0.0
    with app.app_context():
        for job_id in job_ids:
            started, start_wall = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            jobs.run_job(job_id)
            if profiler:
                profiler.disable()
            cpu, wall = cpu + time.process_time() - started, wall + time.perf_counter() - start_wall
            if between is not None:
                between()
        finished = [(j.state, j.done) for j in (queries.get_job(i) for i in job_ids) if j is not None]
        db.session.remove()
    return cpu, wall, finished


#: raw documents drawn after each job (a job is one class: ≈ 40 documents)
RAW_PER_JOB = 12


def raw_between(kind: str) -> tuple[Any, list[float]]:
    """A `between` for run_timed: draws RAW_PER_JOB raw documents of `kind` and adds
    [documents, CPU s, wall s] to the list it returns."""
    raw = pdf_speed._job("raw_bll" if kind == "bao_lien_lac" else "raw_hoc_ba")
    totals = [0.0, 0.0, 0.0]

    def draw() -> None:
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(RAW_PER_JOB):
            raw()
        totals[0] += RAW_PER_JOB
        totals[1] += time.process_time() - cpu
        totals[2] += time.perf_counter() - wall

    return draw, totals


def run_jobs(args: tuple[Path, list[int], Any, bool, str]) -> dict[str, Any]:
    """Run the jobs in this process (a fresh app): documents, CPU and wall seconds, and the
    raw drawing interleaved between the jobs."""
    folder, job_ids, barrier, profile, kind = args
    from app.reports.services import batches

    app = make_app(folder)
    pdf_speed._job("builder_hoc_ba")()
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
    between, raw = raw_between(kind)
    cpu, wall, finished = run_timed(app, job_ids, profiler, between)
    states = sorted({state for state, _ in finished})
    documents = sum(n for _, n in finished)
    for name, original in originals.items():
        setattr(batches, name, original)
    out: dict[str, Any] = {
        "documents": documents, "cpu_s": cpu, "wall_s": wall, "states": states,
        "finish_cpu_s": finishing[0], "finish_wall_s": finishing[1],
        "raw_documents": raw[0], "raw_cpu_s": raw[1], "raw_wall_s": raw[2],
    }  # fmt: skip
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
        out["profile"] = text.getvalue()
    return out


def pipeline(
    prepared: Path, class_ids: list[int], processes: int, profile: bool = False, kind: str = "bao_lien_lac"
) -> dict[str, Any]:
    from sqlalchemy import create_engine, text

    folder = fresh_copy(prepared)
    if kind == "hoc_ba":
        add_year_results(folder)
    job_ids = queue_jobs(folder, class_ids, kind)
    shares = [job_ids[i::processes] for i in range(processes)]
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(processes)
    answers = ctx.Queue()
    workers = [
        ctx.Process(target=lambda share=share: answers.put(run_jobs((folder, share, barrier, profile, kind))))
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
    raw_docs, raw_cpu = sum(r["raw_documents"] for r in results), sum(r["raw_cpu_s"] for r in results)
    shutil.rmtree(folder.parent, ignore_errors=True)
    return {
        "kind": kind,
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
        # raw reportlab drawn between the jobs, in the same processes
        "raw_interleaved_per_cpu_s": round(raw_docs / raw_cpu, 1),
        "profile": [r.get("profile") for r in results if r.get("profile")],
    }


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds of each raw measurement")
    parser.add_argument(
        "--profile", choices=("bao_lien_lac", "hoc_ba"), help="print cProfile of that one-process pipeline"
    )
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
    for kind, doc in (("bao_lien_lac", "bll"), ("hoc_ba", "hoc_ba")):
        print(KIND_TITLES[kind])
        for procs in (1, 2):
            p = pipeline(prepared, class_ids, procs, kind=kind)
            r = pdf_speed.measure_pair(doc, procs, options.seconds)
            p.pop("profile")
            if p["job_states"] != ["done"]:  # e.g. SQLITE_BUSY past busy_timeout: the job's row says where
                print(f"!! {procs} processes: job states {p['job_states']}, {p['documents']} documents")
            for label, per_cpu, per_s, docs, cpu, wall in (
                ("pipeline (with merge+zip)", p["per_cpu_s"], p["per_wall_s"], p["documents"], p["cpu_s"], p["wall_s"]),
                ("pipeline (documents)", p["issue_per_cpu_s"], p["issue_per_wall_s"], "", "", ""),
                ("builder only", r["builder_per_cpu_s"], r["builder_per_wall_s"], "", "", ""),
                ("raw reportlab", r["raw_per_cpu_s"], r["raw_per_wall_s"], "", "", ""),
                ("raw, the app's fonts", r["raw_app_fonts_per_cpu_s"], r["raw_app_fonts_per_wall_s"], "", "", ""),
                ("raw, between the jobs", p["raw_interleaved_per_cpu_s"], None, "", "", ""),
            ):
                shown = "" if per_s is None else f"{per_s:.1f}"
                print(f"{label:<26}{procs:>6}{docs!s:>6}{per_cpu:>11.1f}{shown:>8}{cpu!s:>8}{wall!s:>8}")
            p["ratio_cpu"] = round(p["issue_per_cpu_s"] / p["raw_interleaved_per_cpu_s"], 3)
            p["ratio_cpu_to_raw_apart"] = round(p["issue_per_cpu_s"] / r["raw_per_cpu_s"], 3)
            p["ratio_wall"] = round(p["issue_per_wall_s"] / r["raw_per_wall_s"], 3)
            p["ratio_cpu_with_merge_zip"] = round(p["per_cpu_s"] / p["raw_interleaved_per_cpu_s"], 3)
            p["ratio_cpu_to_builder"] = round(p["issue_per_cpu_s"] / r["builder_per_cpu_s"], 3)
            # the same raw drawing with the app's shared font subsets: what is left of our own cost
            p["ratio_cpu_to_raw_app_fonts"] = round(p["issue_per_cpu_s"] / r["raw_app_fonts_per_cpu_s"], 3)
            p["raw"] = r
            figures[f"{kind}_{procs}p"] = p
            print(
                f"  pipeline/raw: {p['ratio_cpu']:.0%} per CPU-second against the raw drawn between the jobs "
                f"({p['ratio_cpu_to_raw_apart']:.0%} against the raw measured apart; goal ≥ 70%), "
                f"{p['ratio_wall']:.0%} per wall second; builder/raw {r['ratio_cpu']:.0%}, "
                f"pipeline/builder {p['ratio_cpu_to_builder']:.0%}; "
                f"against raw drawn with the app's fonts {p['ratio_cpu_to_raw_app_fonts']:.0%}"
            )
    hoc_ba = figures["hoc_ba_2p"]
    figures["seconds_for_1500_hoc_ba_2_processes_wall"] = round(1500 / hoc_ba["per_wall_s"], 1)
    figures["seconds_for_1500_hoc_ba_on_2_free_cores"] = round(1500 / (2 * figures["hoc_ba_1p"]["per_cpu_s"]), 1)
    print(
        f"1,500 học bạ (with merge+zip): {figures['seconds_for_1500_hoc_ba_on_2_free_cores']} s on 2 free cores "
        f"(CPU), {figures['seconds_for_1500_hoc_ba_2_processes_wall']} s wall in this run"
    )
    wp = pdf_speed.weasyprint_rate(options.seconds)
    figures["weasyprint_bll_per_s"] = None if wp is None else round(wp, 1)
    print("weasyprint: not installed" if wp is None else f"weasyprint (a similar page, 1 process): {wp:.1f}/s")
    figures["load_average_after"] = list(os.getloadavg())
    print(f"load average before/after: {figures['load_average_before']} / {figures['load_average_after']}")
    if options.profile:  # a separate, unmeasured run: cProfile slows pure Python about twofold
        for text in pipeline(prepared, class_ids, 1, profile=True, kind=options.profile)["profile"]:
            print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pdf_pipeline.json").write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", "utf-8")


if __name__ == "__main__":
    main()
