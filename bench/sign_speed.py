"""Time to sign one học bạ (each of the three signatures: GVCN, hiệu trưởng, seal) with
RSA-2048 and EC P-256, next to the unsigned rendering time measured in the same rounds
(each round draws the học bạ once, then signs it three times: on a shared machine both
see the same load, so "document / render" — the three signatures over one rendering — is
the figure to quote). "cached" is what the app does (pades.KeySigner: the key parsed once
per batch; bytes_reserved fixed so there is no sizing pass; the stamp page parsed once per
stamp text; the SignerInfo's fixed parts built once per signer; the three signature fields
placed empty at issuing, so each signature fills its field and neither walks the page tree
nor rewrites a page; lean page dictionaries and an ASCII Producer, which every signature's
pyHanko reader parses again); "per signature" re-opens
the PKCS#12 for every signature (pyHanko's SimpleSigner.load_pkcs12_data: what a naive
batch would do). "stamp" compares, signature by signature in turn, the pyHanko text stamp
(full Be Vietnam Pro, then the cut) with the static stamp the app uses (drawn by reportlab
once, imported as a form XObject). The app keeps each document's signature boxes at
issuing (IssuedDocument.signature_boxes), so no rendering is part of a signature's cost.
Writes bench/results/sign.json.

    PYTHONPATH=$PWD .venv/bin/python bench/sign_speed.py [--docs 10]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"
PASSWORD = "bench"


def render_once() -> tuple[bytes, list[Any], float]:
    """The unsigned 4-page học bạ built from its payloads and drawn, as issuing does:
    (pdf, boxes, seconds)."""
    from app.core.models import utcnow
    from app.reports import documents, pdf
    from app.reports.services.issuing import with_term_learning
    from tests.reports.conftest import identity, year_payload

    years = []
    for i, name in enumerate(("2022-2023", "2023-2024", "2024-2025")):
        y = year_payload(kind="cn", comment="Tiến bộ rõ, tích cực phát biểu.")
        y["year"] = {"id": i + 1, "name": name}
        y["class"] = {"id": i + 1, "name": f"{6 + i}A1", "grade_level": 6 + i}
        years.append(y)
    stamp = documents.Stamp(code="BNCH-2026", issued_at=utcnow(), issued_by="Bench")
    t = time.perf_counter()
    data, boxes = pdf.render_with_boxes(documents.hoc_ba(identity(), with_term_learning(years)), stamp)
    return data, boxes, time.perf_counter() - t


def hoc_ba_pdf() -> tuple[bytes, list[Any], float]:
    render_once()  # warm the fonts
    runs = [render_once() for _ in range(5)]
    return runs[0][0], runs[0][1], statistics.median(r[2] for r in runs)


def run(kind: str, data: bytes, boxes: list[Any], docs: int) -> dict[str, Any]:
    """Each document round: the unsigned học bạ drawn once, then its three signatures (so
    the rendering and the signatures share the machine's load of that moment: the ratio is
    fair on a shared machine)."""
    from pyhanko.sign import signers

    from app.reports.pdf import SIGNATURE_FIELDS as FIELD_NAMES
    from app.reports.pdf import box_for
    from app.signing.services import pades, pki

    ca = pki.make_ca("Bench", kind=kind)
    p12s = {s: pki.to_p12(pki.make_cert(ca, f"Bench {s}", "Bench", kind=kind), ca, PASSWORD) for s in FIELD_NAMES}
    out: dict[str, Any] = {}
    for mode in ("cached", "per signature"):
        cached = {s: pades.KeySigner(pki.open_p12(p, PASSWORD)) for s, p in p12s.items()}
        per_step: dict[str, list[float]] = {s: [] for s in FIELD_NAMES}
        renders: list[float] = []
        for n in range(docs + 1):  # round 0 warms up
            rendered = render_once()[2]
            current = data
            took = {}
            for step in FIELD_NAMES:
                t = time.perf_counter()
                if mode == "cached":
                    signer: Any = cached[step]
                else:
                    signer = signers.SimpleSigner.load_pkcs12_data(p12s[step], [], PASSWORD.encode())
                    assert signer is not None
                where = box_for(boxes, step)
                current = pades.sign_pdf(
                    current, signer, field_name=FIELD_NAMES[step],
                    place=pades.Placement(*where) if where else None, text=f"{step}\nKý số", reason=step,
                )  # fmt: skip
                took[step] = time.perf_counter() - t
            if n:
                renders.append(rendered)
                for step, seconds in took.items():
                    per_step[step].append(seconds)
        row: dict[str, Any] = {"render (same rounds)": round(statistics.median(renders) * 1000, 1)}
        row |= {s: round(statistics.median(v) * 1000, 1) for s, v in per_step.items()}
        row["document"] = round(sum(row[s] for s in FIELD_NAMES), 1)
        row["document / render"] = round(row["document"] / row["render (same rounds)"], 2)
        row[f"class of {docs} (all three signatures)"] = round(sum(sum(v) for v in per_step.values()) * 1000, 1)
        row[f"class of {docs} (rendering)"] = round(sum(renders) * 1000, 1)
        out[mode] = row
    return out


def stamp_font(data: bytes, boxes: list[Any], rounds: int) -> dict[str, float]:
    """Median ms of one visible EC signature (the hiệu trưởng's box) with each stamp, in
    turn: pyHanko's text stamp with the full font, with the cut (pades._font_bytes), and the
    static stamp drawn by reportlab and imported as a form XObject (what the app does;
    "uncached": drawn anew for every signature, as for a new stamp text)."""
    from app.reports.pdf import box_for
    from app.signing.services import pades, pki

    ca = pki.make_ca("Bench", kind="ec")
    signer = pades.KeySigner(
        pki.open_p12(pki.to_p12(pki.make_cert(ca, "Bench", "Bench", kind="ec"), ca, PASSWORD), PASSWORD)
    )
    where = box_for(boxes, "hieu_truong")
    text = (
        "Hiệu trưởng: Ngô Văn Hiệu Trưởng\nKý số lúc 01/12/2026 21:47\nCHỨNG THƯ THỬ NGHIỆM — không có giá trị pháp lý"
    )
    cut = pades._font_bytes
    variants = {
        "text stamp, full font": ("text", pades._full_font_bytes),
        "text stamp, font cut": ("text", cut),
        "static stamp (reportlab), uncached": ("static", cut),
        "static stamp (reportlab), cached": ("static", cut),
    }
    times: dict[str, list[float]] = {k: [] for k in variants}
    cut()  # made once per process (its cost is printed apart)
    try:
        for n in range(rounds + 1):
            for name, (mode, font) in variants.items():
                pades.STAMP_MODE, pades._font_bytes = mode, font  # type: ignore[assignment]
                if "uncached" in name:
                    pades.stamp_pdf.cache_clear()
                t = time.perf_counter()
                pades.sign_pdf(data, signer, field_name="F", place=pades.Placement(*where) if where else None,
                               text=text, reason="bench")  # fmt: skip
                if n:  # the first round warms up
                    times[name].append(time.perf_counter() - t)
    finally:
        pades.STAMP_MODE, pades._font_bytes = "static", cut  # type: ignore[assignment]
    out = {k: round(statistics.median(v) * 1000, 1) for k, v in times.items()}
    cut.cache_clear()
    t = time.perf_counter()
    cut()
    out["making the font cut (once per process)"] = round((time.perf_counter() - t) * 1000, 1)
    return out


def batch_path() -> dict[str, Any]:
    """The hiệu trưởng's batch on the app's own path (bench/sign_batch_case.py, run by pytest
    for the tests' school fixtures; the hiệu trưởng's and the seal's certificates are EC)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "batch.json"
        env = dict(os.environ, SIGN_BATCH_OUT=str(out), PYTHONPATH=str(ROOT))
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tests.conftest"]
        done = subprocess.run([*cmd, "bench/sign_batch_case.py"], cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            raise SystemExit(f"bench/sign_batch_case.py failed:\n{done.stdout[-3000:]}")
        found: dict[str, Any] = json.loads(out.read_text())
        return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=10)
    args = parser.parse_args()
    data, boxes, render_s = hoc_ba_pdf()
    result: dict[str, Any] = {
        "machine": platform.platform(),
        "cores": os.cpu_count(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load average at start (1, 5, 15 min)": [round(x, 2) for x in os.getloadavg()],
        "hoc_ba_pages": data.count(b"/Type /Page\n") or None,
        "render_ms": round(render_s * 1000, 1),
        "docs": args.docs,
    }
    print(f"load average {result['load average at start (1, 5, 15 min)']}")
    print(f"render (unsigned học bạ): {result['render_ms']} ms")
    for kind, label in (("rsa", "RSA-2048"), ("ec", "EC P-256")):
        result[label] = run(kind, data, boxes, args.docs)
        for mode, steps in result[label].items():
            print(f"{label:9} {mode:14} " + "  ".join(f"{k} {v}{'' if '/' in k else ' ms'}" for k, v in steps.items()))
    result["stamp (EC, visible)"] = stamp_font(data, boxes, max(args.docs, 10))
    print("stamp (EC, visible): " + "  ".join(f"{k} {v} ms" for k, v in result["stamp (EC, visible)"].items()))
    result["hiệu trưởng's batch (app path)"] = batch_path()
    for mode, row in result["hiệu trưởng's batch (app path)"].items():
        print(f"batch, boxes {mode}: " + "  ".join(f"{k} {v}" for k, v in row.items()))
    _, _, result["render_ms_after"] = hoc_ba_pdf()
    result["render_ms_after"] = round(result["render_ms_after"] * 1000, 1)
    result["load average at the end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"render again at the end: {result['render_ms_after']} ms; load average {result['load average at the end']}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sign.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
