"""SQLite's writers taking turns: cell saves with and without `app/core/write_gate.py`, in one run.

The demo school in a fresh SQLite database (as bench_http.py), served two ways — `make run`'s
`gunicorn -w 1 --threads 8` and docs/deploy.md's `gunicorn -w 2` — each once with the write
gate (the default) and once with `SODIENTU_SQLITE_WRITE_GATE=off` (SQLite's busy handler
alone), both served side by side on the same database, then wrk driving the cell save (each
connection its own ĐĐGtx cell, carrying the version each answer returns: no save is a
conflict) at 1, 2 and 16 connections, off-on-on-off at each count so that a drift of the
machine's speed weighs on both alike. The limit, measured in the same run and served the
same way: bench/minimal_app.py's save (one UPDATE in its own transaction, same SQLite
pragmas).

Prints the mean saves/s, p50 and p99 of each gate's two runs per row (each run is in the
JSON) and writes bench/results/write_turns.json.
Not a test: figures depend on the machine.

Run: PYTHONPATH=. .venv/bin/python bench/write_turns.py   (BENCH_SECONDS=5 by default)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import bench_http as http  # noqa: E402
from _common import RESULTS  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = (1, 2, 16)
SERVERS = {
    "make run (1 worker, 8 threads)": ["-w", "1", "--threads", "8"],
    "gunicorn -w 2 (sync)": ["-w", "2", "-k", "sync"],
}
GATES = {"có cổng ghi (mặc định)": "on", "không cổng (chỉ busy_timeout)": "off"}


def _serve(module: str, server: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = http._free_port()
    command = [str(http.BIN / "gunicorn"), *server, "-b", f"127.0.0.1:{port}"]
    command += ["--access-logfile", "/dev/null", "--error-logfile", str(log), module]
    proc = subprocess.Popen(command, cwd=ROOT, env=env)
    http._wait(port)
    return proc, port


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=30)


def _saves(base: str, save_path: str, connections: int, script: Path, who: tuple[str, str], book: int) -> dict:
    teacher, csrf = who
    return http._drive(f"{base}/", connections, teacher, save_path, script, base, teacher, book, csrf)


def _start(module: str, server: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], str]:
    proc, port = _serve(module, server, env, log)
    return proc, f"http://127.0.0.1:{port}"


def _measure(server: list[str], env: dict[str, str], folder: Path, book: int) -> list[dict]:
    """Both gates served side by side on the same database and driven in turn, off-on-on-off
    at each connection count (a drift of the machine's speed weighs on both alike); the
    limit right before them."""
    procs = []
    try:
        apps = {}
        for gate in GATES.values():
            proc, base = _start("wsgi:app", server, {**env, "SODIENTU_SQLITE_WRITE_GATE": gate}, folder / f"{gate}.log")
            procs.append(proc)
            apps[gate] = (base, http._sign_in(base, "gv.toan"))
        raw, raw_base = _start("bench.minimal_app:app", server, env, folder / "raw.log")
        procs.append(raw)
        script = folder / "save.lua"
        base, (teacher, csrf) = apps["on"]
        rows = []
        for c in CONNECTIONS:
            limit = http._drive(raw_base + "/", c, "", f"/save/{book}", script, base, teacher, book, csrf)
            runs: dict[str, list[dict]] = {"on": [], "off": []}
            for gate in ("off", "on", "on", "off"):
                gate_base, who = apps[gate]
                runs[gate].append(_saves(gate_base, f"/gradebook/{book}/cells", c, script, who, book))
            rows += [
                {"gate": gate, "connections": c, **_mean(figures), "limit": limit} for gate, figures in runs.items()
            ]
        return rows
    finally:
        for proc in procs:
            _stop(proc)


def _mean(runs: list[dict]) -> dict:
    keys = ("rps", "p50_ms", "p99_ms")
    out = {k: round(sum(r[k] for r in runs) / len(runs), 2) for k in keys}
    out["runs"] = [{k: r[k] for k in keys} for r in runs]
    out["non_2xx"] = sum(r["non_2xx"] for r in runs)
    return out


def _print(server: str, label: str, connections: int, figures: dict, limit: dict) -> None:
    ratio = figures["rps"] / limit["rps"] if limit["rps"] else 0.0
    print(
        f"{server:<32} {label:<30} c={connections:<3} {figures['rps']:>7.1f} lưu/s  "
        f"p50 {figures['p50_ms']:>7.2f} ms  p99 {figures['p99_ms']:>8.2f} ms   "
        f"giới hạn {limit['rps']:>7.1f} lưu/s → {ratio:4.2f}×"
    )


def main() -> None:
    http.SECONDS = SECONDS
    folder = Path(tempfile.mkdtemp(prefix="sodientu-turns-"))
    env = http._prepare(folder)
    (folder / "save.lua").write_text(http.SAVE_LUA)
    book = http._ids(env)["book"]
    labels = {gate: label for label, gate in GATES.items()}
    rows = []
    for server, args in SERVERS.items():
        for row in _measure(args, env, folder, book):
            _print(server, labels[row["gate"]], row["connections"], row, row["limit"])
            rows.append({"server": server, **row})
    RESULTS.mkdir(exist_ok=True)
    meta = {"seconds": SECONDS, "database": "sqlite", "cpus": os.cpu_count(), "load": os.getloadavg()}
    (RESULTS / "write_turns.json").write_text(json.dumps({"run": meta, "rows": rows}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
