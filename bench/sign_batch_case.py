# ruff: noqa: F811  (fixtures imported from tests/)
"""The hiệu trưởng's batch on the real app path (bench/sign_speed.py runs it through pytest
for the tests' school fixtures): 10A1's học bạ, signed by the GVCN, then the hiệu trưởng
signs and seals the class in one job (start_job → the job's thread → done). Per document:
the whole job's time, the part inside pades.sign_pdf, and the rendering of the same
document (boxes.redraw) in the same run. "kept": the boxes kept at issuing (what the app
does now); "redrawn": the same with signature_boxes NULL, as a document issued before
migration 0019 (and every document before this change): each document drawn again once.
Writes the figures to $SIGN_BATCH_OUT (JSON)."""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import pytest

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, gb  # noqa: F401
from tests.reports.test_issue_hoc_ba import year_closed  # noqa: F401
from tests.signing.conftest import PASSWORD, pki  # noqa: F401
from tests.signing.test_batch import class_signed_by_gvcn  # noqa: F401


@pytest.mark.parametrize("boxes_mode", ["kept", "redrawn"])
def test_batch_per_document(app, class_signed_by_gvcn, as_user, monkeypatch, boxes_mode) -> None:  # type: ignore[no-untyped-def]
    from app.reports.models import IssuedDocument
    from app.school.models import SchoolClass
    from app.signing.services import batch, boxes, pades

    ns = class_signed_by_gvcn
    with app.app_context():
        if boxes_mode == "redrawn":
            for doc_id in ns.doc_ids:
                db.session.get(IssuedDocument, doc_id).signature_boxes = None
            db.session.commit()
        renders = []
        for doc_id in ns.doc_ids:  # the rendering of each of these documents, same run
            doc = db.session.get(IssuedDocument, doc_id)
            t = time.perf_counter()
            boxes.redraw(doc)
            renders.append(time.perf_counter() - t)
    boxes._CACHE.clear()  # a new process: nothing drawn yet
    signing: list[float] = []
    real = pades.sign_pdf

    def timed(*args: Any, **kwargs: Any) -> bytes:
        t = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            signing.append(time.perf_counter() - t)

    monkeypatch.setattr(pades, "sign_pdf", timed)
    items: list[float] = []
    real_item = batch.run_item

    def timed_item(*args: Any, **kwargs: Any) -> None:
        t = time.perf_counter()
        try:
            real_item(*args, **kwargs)
        finally:
            items.append(time.perf_counter() - t)

    monkeypatch.setattr(batch, "run_item", timed_item)

    def start(actor: Any) -> None:
        batch.start_job(actor, db.session.get(SchoolClass, ns.c10a1.id), PASSWORD)

    t = time.perf_counter()
    as_user(ns.ht, start)
    batch.wait_idle(app)
    total = time.perf_counter() - t
    docs = len(ns.doc_ids)
    assert len(signing) == 2 * docs  # the hiệu trưởng's signature and the seal, each document
    out = {
        "documents": docs,
        "render (this document, same run)": round(statistics.median(renders) * 1000, 1),
        "job, all included (opening the keys once, the thread), per document": round(total / docs * 1000, 1),
        "per document (run_item: signature + seal, database, files, audit)": round(statistics.median(items) * 1000, 1),
        "of which pades.sign_pdf (both signatures)": round(sum(signing) / docs * 1000, 1),
    }
    out["per document / render"] = round(
        out["per document (run_item: signature + seal, database, files, audit)"]
        / out["render (this document, same run)"],
        2,
    )
    path = os.environ.get("SIGN_BATCH_OUT")
    if path:
        target = Path(path)
        found = json.loads(target.read_text()) if target.exists() else {}
        found[boxes_mode] = out
        target.write_text(json.dumps(found))
