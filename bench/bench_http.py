"""HTTP throughput and latency of the real pages next to the raw limit, in one run.

Loads the demo school into a fresh database (SQLite in a temp folder, or
BENCH_DATABASE_URL for PostgreSQL), serves the app with `gunicorn -w 2` (sync workers, as
docs/deploy.md) on 127.0.0.1 and `bench/minimal_app.py` the same way, then drives both with
wrk at 16 and 64 connections, each page right after its own limit — the minimal view
reading the same rows with one statement and rendering a plain Jinja table:

- the grade grid page (gv.toan, Toán 6A2 HK II) — limit: the grid's rows;
- one cell save (htmx POST with its version: one wrk thread per connection, each on its
  own ĐĐGtx cell starting from the version the page shows and carrying the version each
  answer returns, so no save is a conflict) — limit: one UPDATE in its own transaction;
- the tổ trưởng's review queue — limit: the tổ's waiting records with type, author,
  class and subject;
- the GVCN's class book (6A1, HK I) — limit: every score of the class's subjects for
  the term, each subject's average computed from them;
- the sign-in page — limit: the grid's minimal view (it reads no rows).

Prints requests/s, p50 and p99 per page and its ratio to the limit measured in the same
run, and writes bench/results/http.json. Not a test: figures depend on the machine.

Run: .venv/bin/python bench/bench_http.py   (or `make bench`); BENCH_SECONDS=10 by default.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _common import RESULTS  # noqa: E402

SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = (16, 64)
PASSWORD = "Demo@2024-2025"
BIN = Path(sys.executable).parent

SAVE_LUA = r"""
-- one connection per thread; each thread saves its own cell and carries its version on
local counter = 0
local threads = {}
function setup(thread)
  thread:set("n", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  -- args[1]: "student:column:version,…" (the grid's cells as the page shows them);
  -- args[5]: the path saved to (the app's cell save, or the minimal view's)
  local cells = {}
  for c in string.gmatch(args[1], "[^,]+") do table.insert(cells, c) end
  book, csrf, cookie, path = args[2], args[3], args[4], args[5]
  local mine = cells[(n % #cells) + 1]
  student, column, version = string.match(mine, "(%d+):(%w+):(%d+)")
  k = 0
end
function request()
  k = k + 1
  local body = "student_id=" .. student .. "&column=" .. column
  body = body .. "&value=" .. (5 + k % 5) .. "%2C5&version=" .. version
  return wrk.format("POST", path, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["HX-Request"] = "true", ["X-CSRFToken"] = csrf, ["Cookie"] = cookie}, body)
end
function response(status, headers, body)
  local v = string.match(body, '"version": (%d+)')
  if v then version = tonumber(v) end
  if status ~= 200 then bad = (bad or "") .. status .. " " end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    local b = t:get("bad")
    if b then io.write("refused: ", b, "\n") end
  end
end
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing listens on {port}")


def _prepare(folder: Path) -> dict[str, str]:
    """The demo school in a fresh database; the environment both servers run with."""
    env = {
        **os.environ,
        "SECRET_KEY": "bench-secret",
        "SODIENTU_DATA_DIR": str(folder),
        "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{folder / 'bench.db'}"),
        "PYTHONPATH": str(ROOT),
        "FLASK_APP": "wsgi:app",
    }
    env.pop("REDIS_URL", None)
    flask = str(BIN / "flask")
    for args in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([flask, *args], cwd=ROOT, env=env, check=True, capture_output=True)
    return env


def _serve(module: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    command = [str(BIN / "gunicorn"), "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}"]
    command += ["--access-logfile", "/dev/null", "--error-logfile", str(log), module]
    proc = subprocess.Popen(command, cwd=ROOT, env={**env, "SODIENTU_BIND": f"127.0.0.1:{port}"})
    _wait(port)
    return proc, port


def _sign_in(base: str, username: str) -> tuple[str, str]:
    """A session cookie for `username` and the page's CSRF token."""
    jar = urllib.request.HTTPCookieProcessor()
    opener = urllib.request.build_opener(jar)
    page = opener.open(f"{base}/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrf_token": token}).encode()
    opener.open(f"{base}/login", data=data)
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar.cookiejar)
    home = opener.open(f"{base}/").read().decode()
    csrf = re.search(r'"X-CSRFToken": "([^"]+)"', home)
    return cookie, csrf.group(1) if csrf else token


def _open(base: str, cookie: str, path: str) -> str:
    request = urllib.request.Request(f"{base}{path}", headers={"Cookie": cookie})
    return urllib.request.urlopen(request).read().decode()


def _cells(base: str, cookie: str, book: int) -> list[str]:
    """Each save connection gets its own ĐĐGtx cell, with the version the page shows now."""
    grid = _open(base, cookie, f"/gradebook/{book}")
    found = re.findall(r'"student_id": (\d+), "column": "(tx\d)", "version": (\d+)', grid)
    return [":".join(c) for c in found]


def _wrk(url: str, connections: int, *, cookie: str = "", script: Path | None = None, args: list[str] = ()) -> dict:  # type: ignore[assignment]
    threads = connections if script else 2
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{SECONDS}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", str(script)]
    command.append(url)
    if args:
        command += ["--", *args]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        if line.startswith("refused:"):
            print(f"  {url}: {line}", file=sys.stderr)
    try:
        return _parse(out)
    except AttributeError:
        raise SystemExit(f"wrk printed no figures for {url}:\n{out}") from None


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 2)


def _parse(out: str) -> dict:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": round(rps, 1),
        "p50_ms": p50,
        "p99_ms": p99,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
    }


def _ids(env: dict[str, str]) -> dict[str, int]:
    code = (
        "from app import create_app\nfrom app.extensions import db\n"
        "from app.school.models import Department, SchoolClass, Subject, Term\n"
        "from app.gradebook.models import GradeBook\n"
        "from app.accounts.models import User\n"
        "import json\napp = create_app()\nwith app.app_context():\n"
        "    c2 = db.session.query(SchoolClass).filter_by(name='6A2').one()\n"
        "    c1 = db.session.query(SchoolClass).filter_by(name='6A1').one()\n"
        "    toan = db.session.query(Subject).filter_by(code='TOAN').one()\n"
        "    t2 = db.session.query(Term).filter_by(year_id=c2.year_id, number=2).one()\n"
        "    b = db.session.query(GradeBook).filter_by(class_id=c2.id, subject_id=toan.id, term_id=t2.id).one()\n"
        "    t1 = db.session.query(Term).filter_by(year_id=c1.year_id, number=1).one()\n"
        "    head = db.session.query(User).filter_by(username='totruong.toan').one()\n"
        "    led = (Department.head_id == head.id) | (Department.deputy_id == head.id)\n"
        "    dept = db.session.query(Department).filter(led).first()\n"
        "    print(json.dumps({'book': b.id, 'class_6a1': c1.id, 'term_1': t1.id, 'department': dept.id}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk; `make test` installs it)")
    folder = Path(tempfile.mkdtemp(prefix="sodientu-http-"))
    env = _prepare(folder)
    ids = _ids(env)
    app_proc, app_port = _serve("wsgi:app", env, folder / "app.log")
    raw_proc, raw_port = _serve("bench.minimal_app:app", env, folder / "raw.log")
    base, raw = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{raw_port}"
    try:
        teacher, csrf = _sign_in(base, "gv.toan")
        head, _ = _sign_in(base, "totruong.toan")
        gvcn, _ = _sign_in(base, "gvcn.6a1")
        script = folder / "save.lua"
        script.write_text(SAVE_LUA)
        book, cb = ids["book"], f"{ids['class_6a1']}/{ids['term_1']}"
        grid_limit = f"{raw}/grid/{book}"
        # (label, page, its session, its save path; its limit: the minimal view of the same rows)
        pages = [
            ("Sổ điểm (trang lưới, 40 HS)", f"{base}/gradebook/{book}", teacher, None, grid_limit),
            ("Lưu một ô điểm (htmx POST)", f"{base}/", teacher, f"/gradebook/{book}/cells", f"{raw}/"),
            ("Hàng chờ duyệt của tổ trưởng", f"{base}/records/review", head, None, f"{raw}/review/{ids['department']}"),
            (
                "Sổ chủ nhiệm 6A1 (HK I)",
                f"{base}/homeroom/{ids['class_6a1']}?period=1",
                gvcn,
                None,
                f"{raw}/classbook/{cb}",
            ),
            ("Trang đăng nhập", f"{base}/login", "", None, grid_limit),
        ]
        rows = []
        for connections in CONNECTIONS:
            for label, url, cookie, save_path, limit_url in pages:
                limit_save = f"/save/{book}" if save_path else None
                limit = _drive(limit_url, connections, "", limit_save, script, base, teacher, book, csrf)
                figures = _drive(url, connections, cookie, save_path, script, base, teacher, book, csrf)
                row = {"page": label, "connections": connections, **figures, "limit": limit}
                row["ratio"] = round(figures["rps"] / limit["rps"], 2) if limit["rps"] else None
                rows.append(row)
                _print(row)
    finally:
        for proc in (app_proc, raw_proc):
            proc.terminate()
            proc.wait(timeout=30)
    RESULTS.mkdir(exist_ok=True)
    database = "postgresql" if "BENCH_DATABASE_URL" in os.environ else "sqlite"
    meta = {"seconds": SECONDS, "database": database, "workers": 2, "cpus": os.cpu_count()}
    (RESULTS / "http.json").write_text(json.dumps({"run": meta, "rows": rows}, indent=2, ensure_ascii=False))


def _drive(url, connections, cookie, save_path, script, base, teacher, book, csrf) -> dict:  # type: ignore[no-untyped-def]
    """wrk on one URL; a save (save_path given) runs the Lua script, each connection on its
    own cell with the version the grid shows now (read again before every run; the limit's
    connections take the cells from the other end of the grid)."""
    if save_path is None:
        return _wrk(url, connections, cookie=cookie)
    cells = _cells(base, teacher, book)
    if not save_path.startswith("/gradebook/"):
        cells.reverse()  # the limit saves other cells than the app's run, so neither sees the other's versions
    args = [",".join(cells), str(book), csrf, teacher, save_path]
    return _wrk(url, connections, script=script, args=args)


def _print(row: dict) -> None:
    limit = row["limit"]
    bad = f"  ({row['non_2xx']} không 2xx)" if row["non_2xx"] else ""
    print(
        f"c={row['connections']:<3} {row['page']:<32} {row['rps']:>7.1f} req/s  "
        f"p50 {row['p50_ms']:>7.2f} ms  p99 {row['p99_ms']:>7.2f} ms   giới hạn {limit['rps']:>7.1f} req/s  "
        f"→ {row['ratio']:4.2f}×{bad}"
    )


if __name__ == "__main__":
    main()
