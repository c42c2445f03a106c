"""bench/scale.py's pages on the demo-sized and the district-sized database, each request
of one followed by the same request of the other (demo, district, demo, …), so that the
other work of a shared machine falls on both sides alike. bench/scale_pages.py measures
all the demo's pages first, then all the district's: with a p50 of 5 on a 2-core machine
in use, a 10 ms page's ratio moved between 0.6× and 1.6× from one run to the next.

Run: .venv/bin/python bench/scale_interleaved.py [--runs 30]  (the two databases of
     bench/scale_pages.py, already seeded and migrated). Writes bench/results/scale_interleaved.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale  # noqa: E402
import scale_pages  # noqa: E402
from _common import RESULTS  # noqa: E402

WARMUP = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo-url", default=os.environ.get("BENCH_DEMO_URL", scale_pages.DEMO_URL))
    parser.add_argument("--url", default=os.environ.get("BENCH_SCALE_URL", scale.DEFAULT_URL))
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    sides = [_side(args.demo_url), _side(args.url)]
    rows = [_pair(sides, i, args.runs) for i in range(len(sides[0][1]))]
    report = {"run": {"load_avg": os.getloadavg(), "runs": args.runs, "warmup": WARMUP}, "pages": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "scale_interleaved.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"\ntải {report['run']['load_avg']}")
    for row in rows:
        print(
            f"{row['page']:<48} demo {row['demo_p50_ms']:>7.2f} ms   quy mô {row['scale_p50_ms']:>7.2f} ms   "
            f"{row['ratio_p50']:>5.2f}×  {'đạt' if row['ratio_p50'] <= 2 else 'CHƯA ĐẠT'}"
        )


def _side(url: str):  # type: ignore[no-untyped-def]
    """(app, targets, one client per person) of one database."""
    app = scale_pages._app(url)
    targets = scale.page_targets(app)
    clients: dict[str, object] = {}
    for target in targets:
        if target.who not in clients:
            clients[target.who] = scale.client_for(app, target)
    return app, targets, clients


def _pair(sides, index: int, runs: int) -> dict:  # type: ignore[no-untyped-def]
    samples: list[list[float]] = [[] for _ in sides]
    for attempt in range(WARMUP + runs):
        for side, (_app, targets, clients) in enumerate(sides):
            target = targets[index]
            started = time.perf_counter()
            response = clients[target.who].get(target.path)  # type: ignore[attr-defined]
            if response.status_code != 200:
                raise SystemExit(f"{target.who} {target.path}: HTTP {response.status_code}")
            if attempt >= WARMUP:
                samples[side].append((time.perf_counter() - started) * 1000)
    demo, district = (round(statistics.median(s), 2) for s in samples)
    target = sides[0][1][index]
    return {
        "page": f"{target.who}: {target.label}",
        "demo_p50_ms": demo,
        "scale_p50_ms": district,
        "ratio_p50": round(district / demo, 2),
    }


if __name__ == "__main__":
    main()
