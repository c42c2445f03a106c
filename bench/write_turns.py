"""SQLite's writers taking turns: cell saves with and without `app/core/write_gate.py`, in one run.

The demo school in a fresh SQLite database (as bench_http.py), served two ways — `make run`'s
`gunicorn -w 1 --threads 8` and docs/deploy.md's `gunicorn -w 2` — each once with the write
gate (the default) and once with `SODIENTU_SQLITE_WRITE_GATE=off` (SQLite's busy handler
alone), then wrk driving the cell save (each connection its own ĐĐGtx cell, carrying the
version each answer returns: no save is a conflict) at 1, 2 and 16 connections. The limit,
measured in the same run and served the same way: bench/minimal_app.py's save (one UPDATE
in its own transaction, same SQLite pragmas).

Prints saves/s, p50 and p99 per row and writes bench/results/write_turns.json.
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


def _measure_app(server: list[str], gate: str, env: dict[str, str], folder: Path, book: int) -> dict[int, dict]:
    proc, port = _serve("wsgi:app", server, {**env, "SODIENTU_SQLITE_WRITE_GATE": gate}, folder / "app.log")
    base = f"http://127.0.0.1:{port}"
    try:
        who = http._sign_in(base, "gv.toan")
        script = folder / "save.lua"
        return {c: _saves(base, f"/gradebook/{book}/cells", c, script, who, book) for c in CONNECTIONS}
    finally:
        _stop(proc)


def _measure_limit(server: list[str], env: dict[str, str], folder: Path, book: int) -> dict[int, dict]:
    """The minimal save; the app (any gate) serves the grid its cells are read from."""
    app, app_port = _serve("wsgi:app", server, env, folder / "app.log")
    raw, raw_port = _serve("bench.minimal_app:app", server, env, folder / "raw.log")
    base, raw_base = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{raw_port}"
    try:
        teacher, csrf = http._sign_in(base, "gv.toan")
        script = folder / "save.lua"
        out = {}
        for c in CONNECTIONS:
            args = (raw_base + "/", c, "", f"/save/{book}", script, base, teacher, book, csrf)
            out[c] = http._drive(*args)
        return out
    finally:
        _stop(raw)
        _stop(app)


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
    rows = []
    for server, args in SERVERS.items():
        limit = _measure_limit(args, env, folder, book)
        for label, gate in GATES.items():
            figures = _measure_app(args, gate, env, folder, book)
            for c in CONNECTIONS:
                _print(server, label, c, figures[c], limit[c])
                rows.append({"server": server, "gate": gate, "connections": c, **figures[c], "limit": limit[c]})
    RESULTS.mkdir(exist_ok=True)
    meta = {"seconds": SECONDS, "database": "sqlite", "cpus": os.cpu_count(), "load": os.getloadavg()}
    (RESULTS / "write_turns.json").write_text(json.dumps({"run": meta, "rows": rows}, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
