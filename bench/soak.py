"""A bounded soak: the real app under a steady mix of real pages, its memory and its errors.

Loads the demo school into a fresh database (SQLite in a temp folder, or BENCH_DATABASE_URL
for PostgreSQL) as bench/bench_http.py does, releases HK I of 6A1 to its parents as
bench/bench_parents.py does, serves the app with `gunicorn -w 2` (sync workers) on 127.0.0.1
and drives it with one wrk run for `--minutes` (default 10): one thread per connection, each
connection on one page of the mix — the grade grid (gv.toan, Toán 6A2 HK II), a cell save
(htmx POST on its own ĐĐGtx cell, carrying the version each answer returns), the tổ
trưởng's review queue, the GVCN's class book (6A1, HK I) and a parent's page — with a pause
of `--delay-ms` between a connection's requests (the machine is shared; 0 for flat out).

Every 10 s it samples each worker's RSS (/proc/<pid>/status); at the end it counts the
answers that were not 2xx/3xx (per page, from the Lua script) and the errors in the server's
log (tracebacks, [ERROR], [CRITICAL], worker timeouts), and writes bench/results/soak.json:
RSS first/last/max per worker, its slope (MB per minute, fitted after the first minute),
the mean of the second minute and of the last minute and their ratio ("flat" when the last
minute is within 5 % of the second), the error counts and wrk's figures.

Run: .venv/bin/python bench/soak.py [--minutes 10] [--connections 10] [--delay-ms 100]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import RESULTS  # noqa: E402
from bench_http import BIN, _cells, _free_port, _ids, _parse, _prepare, _sign_in, _wait  # noqa: E402
from bench_parents import _open_link, _tokens  # noqa: E402

SAMPLE_SECONDS = 10
FLAT_WITHIN = 0.05
KINDS = ("grid", "save", "review", "classbook", "parent")

MIX_LUA = r"""
-- one connection per thread; thread n plays page n % 5 of the mix
local counter = 0
local threads = {}
function setup(thread)
  thread:set("n", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  -- args: cells, book, csrf, teacher cookie, head cookie, gvcn cookie, parent cookie, class id, delay ms
  local cells = {}
  for c in string.gmatch(args[1], "[^,]+") do table.insert(cells, c) end
  book, csrf, teacher, head, gvcn, parent, class_id = args[2], args[3], args[4], args[5], args[6], args[7], args[8]
  pause = tonumber(args[9])
  kinds = {"grid", "save", "review", "classbook", "parent"}
  kind = kinds[(n % 5) + 1]
  local mine = cells[(math.floor(n / 5) % #cells) + 1]
  student, column, version = string.match(mine, "(%d+):(%w+):(%d+)")
  k, bad, ok = 0, 0, 0
end
function delay()
  return pause
end
function request()
  if kind == "grid" then
    return wrk.format("GET", "/gradebook/" .. book, {["Cookie"] = teacher})
  elseif kind == "save" then
    k = k + 1
    local body = "student_id=" .. student .. "&column=" .. column
    body = body .. "&value=" .. (5 + k % 5) .. "%2C5&version=" .. version
    return wrk.format("POST", "/gradebook/" .. book .. "/cells", {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["HX-Request"] = "true", ["X-CSRFToken"] = csrf, ["Cookie"] = teacher}, body)
  elseif kind == "review" then
    return wrk.format("GET", "/records/review", {["Cookie"] = head})
  elseif kind == "classbook" then
    return wrk.format("GET", "/homeroom/" .. class_id .. "?period=1", {["Cookie"] = gvcn})
  end
  return wrk.format("GET", "/p/view", {["Cookie"] = parent})
end
function response(status, headers, body)
  if status >= 400 then bad = bad + 1 else ok = ok + 1 end
  if kind == "save" then
    local v = string.match(body, '"version": (%d+)')
    if v then version = tonumber(v) end
  end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("KIND %s %d %d\n", t:get("kind"), t:get("ok"), t:get("bad")))
  end
end
"""

LOG_ERRORS = re.compile(r"Traceback|\[ERROR\]|\[CRITICAL\]|WORKER TIMEOUT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--delay-ms", type=int, default=100)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk; `make test` installs it)")
    if not 0 < args.minutes <= 120:
        raise SystemExit("--minutes: between 0 and 120")

    folder = Path(tempfile.mkdtemp(prefix="sodientu-soak-"))
    env = _prepare(folder)
    ids = _ids(env)
    tokens = _tokens(env)
    log = folder / "server.log"
    server, port = _serve(env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        teacher, csrf = _sign_in(base, "gv.toan")
        head, _ = _sign_in(base, "totruong.toan")
        gvcn, _ = _sign_in(base, "gvcn.6a1")
        parent, _pdf = _open_link(base, tokens[0])
        script = folder / "mix.lua"
        script.write_text(MIX_LUA)
        cells = ",".join(_cells(base, teacher, ids["book"]))
        seconds = int(args.minutes * 60)
        command = ["wrk", "-t", str(args.connections), "-c", str(args.connections), "-d", f"{seconds}s"]
        command += ["--latency", "--timeout", "10s", "-s", str(script), f"{base}/", "--"]
        command += [cells, str(ids["book"]), csrf, teacher, head, gvcn, parent]
        command += [str(ids["class_6a1"]), str(args.delay_ms)]
        started = time.monotonic()
        load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        samples = _sample(server.pid, load, started)
        out = load.communicate()[0]
    finally:
        server.terminate()
        server.wait(timeout=60)
    report = _report(args, samples, out, log.read_text(errors="replace"))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "soak.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    _print(report)


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn -w 2 as bench_http serves it, with the workers' own output kept in `log`."""
    port = _free_port()
    command = [str(BIN / "gunicorn"), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}"]
    command += ["--access-logfile", "/dev/null", "--error-logfile", "-", "wsgi:app"]
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            command, cwd=ROOT, env={**env, "SODIENTU_BIND": f"127.0.0.1:{port}"}, stdout=sink, stderr=sink
        )
    _wait(port)
    return proc, port


def _workers(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except OSError:
        return []
    return sorted(int(c) for c in children)


def _rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return round(int(found.group(1)) / 1024, 1) if found else None


def _sample(master: int, load: subprocess.Popen[str], started: float) -> list[dict]:
    """{t (s), pid: RSS MB} every SAMPLE_SECONDS until wrk ends."""
    samples = []
    while True:
        row: dict = {"t": round(time.monotonic() - started, 1)}
        for pid in _workers(master):
            rss = _rss_mb(pid)
            if rss is not None:
                row[str(pid)] = rss
        samples.append(row)
        print(f"  {row['t']:>6.0f} s  " + "  ".join(f"pid {p}: {v} MB" for p, v in row.items() if p != "t"), flush=True)
        try:
            load.wait(timeout=SAMPLE_SECONDS)
            return samples
        except subprocess.TimeoutExpired:
            continue


def _slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares MB per minute."""
    if len(points) < 2:
        return None
    n = len(points)
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return round(sum((x - mx) * (y - my) for x, y in points) / sxx * 60, 3) if sxx else None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _report(args: argparse.Namespace, samples: list[dict], out: str, log: str) -> dict:
    pids = sorted({p for s in samples for p in s if p != "t"})
    end = samples[-1]["t"] if samples else 0.0
    workers = {}
    for pid in pids:
        series = [(s["t"], s[pid]) for s in samples if pid in s]
        values = [v for _, v in series]
        second = [v for t, v in series if 60 <= t < 120]
        last = [v for t, v in series if t >= end - 60]
        ratio = round(_mean(last) / _mean(second), 3) if second and last else None  # type: ignore[operator]
        workers[pid] = {
            "rss_first_mb": values[0],
            "rss_last_mb": values[-1],
            "rss_max_mb": max(values),
            "samples": len(values),
            "slope_mb_per_min": _slope([(t, v) for t, v in series if t >= 60]),
            "second_minute_mean_mb": _mean(second),
            "last_minute_mean_mb": _mean(last),
            "last_over_second": ratio,
            "flat": ratio is not None and abs(ratio - 1) <= FLAT_WITHIN,
        }
    kinds: dict[str, dict[str, int]] = {k: {"ok": 0, "bad": 0} for k in KINDS}
    for kind, ok, bad in re.findall(r"^KIND (\w+) (\d+) (\d+)$", out, re.M):
        kinds[kind]["ok"] += int(ok)
        kinds[kind]["bad"] += int(bad)
    try:
        figures = _parse(out)
    except AttributeError:
        figures = {"wrk_output": out[-2000:]}
    log_errors = [line for line in log.splitlines() if LOG_ERRORS.search(line)]
    return {
        "run": {
            "minutes": args.minutes,
            "connections": args.connections,
            "delay_ms": args.delay_ms,
            "database": "postgresql" if "BENCH_DATABASE_URL" in os.environ else "sqlite",
            "workers": 2,
            "cpus": os.cpu_count(),
            "load_avg_end": [round(x, 2) for x in os.getloadavg()],
        },
        "wrk": figures,
        "per_page": kinds,
        "non_2xx_3xx": sum(k["bad"] for k in kinds.values()),
        "log_errors": len(log_errors),
        "log_error_lines": log_errors[:20],
        "worker_pids_seen": len(pids),
        "workers": workers,
        "flat": bool(workers) and all(w["flat"] for w in workers.values()),
        "samples": samples,
    }


def _print(report: dict) -> None:
    wrk = report["wrk"]
    print(f"wrk: {wrk.get('rps')} req/s, p50 {wrk.get('p50_ms')} ms, p99 {wrk.get('p99_ms')} ms")
    for kind, counts in report["per_page"].items():
        print(f"  {kind:<10} {counts['ok']:>8} ok  {counts['bad']:>5} không 2xx/3xx")
    print(f"Lỗi trong log máy chủ: {report['log_errors']}; số tiến trình worker đã thấy: {report['worker_pids_seen']}")
    for pid, w in report["workers"].items():
        print(
            f"  worker {pid}: RSS {w['rss_first_mb']} → {w['rss_last_mb']} MB (max {w['rss_max_mb']}), "
            f"dốc {w['slope_mb_per_min']} MB/phút, phút cuối / phút thứ hai = {w['last_over_second']}"
        )
    print("Bộ nhớ phẳng" if report["flat"] else "Bộ nhớ KHÔNG phẳng")


if __name__ == "__main__":
    main()
