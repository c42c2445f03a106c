"""The close of a term: the checklist, the submission through the records chain, the
approval writing one hashed snapshot per student, and what may change afterwards."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from tests.results.conftest import snapshots_of


def test_approval_writes_exactly_one_snapshot_per_student_and_each_hash_verifies(app, term_ready, audit_rows) -> None:
    from app.results import snapshots
    from app.results.models import ResultSnapshot

    ns = term_ready
    assert snapshots_of(app, ns.c10a1.id, "hk1") == []
    ns.close_hk1()
    snaps = snapshots_of(app, ns.c10a1.id, "hk1")
    assert sorted(s.student_id for s in snaps) == sorted(ns.ids)
    assert all(s.version == 1 and not s.superseded for s in snaps)
    with app.app_context():
        for row in db.session.scalars(select(ResultSnapshot)):
            assert snapshots.verify(row)
            assert row.sha256 == snapshots.digest(row.payload)
    first = next(s for s in snaps if s.student_id == ns.ids[0])
    toan = next(x for x in first.data["subjects"] if x["code"] == "TOAN")
    assert toan["terms"]["hk1"] == {"tx": ["8.0"] * 4, "gk": "8.0", "ck": "8.0", "result": "8.0", "comment": ""}
    assert first.data["names"] == {"gvcn": "Hoàng Văn Chủ Nhiệm", "hieu_truong": "Ngô Văn Hiệu Trưởng"}
    assert first.data["conduct"] == {"hk1": "Tốt"} and first.data["remark"] == "Chăm ngoan, lễ phép."
    assert first.data["close"]["approved_by"] == "Ngô Văn Hiệu Trưởng"
    assert first.data["settings"]["r7_reading"] == "one_step_above_computed"
    assert first.data["rules_version"]
    # canonical: what is stored is the compact, sorted, non-ASCII-escaped form
    assert first.payload == json.dumps(
        json.loads(first.payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert [a[0] for a in audit_rows("result.closed")] == ["result.closed"]
    assert audit_rows("result.closed")[0][3]["snapshots"] == 3


def test_a_tampered_payload_no_longer_verifies(app, term_ready) -> None:
    from app.results import snapshots
    from app.results.models import ResultSnapshot

    term_ready.close_hk1()
    with app.app_context():
        row = db.session.scalars(select(ResultSnapshot)).first()
        db.session.expunge(row)
        row.payload = row.payload.replace("Tốt", "Khá")
        assert not snapshots.verify(row)
