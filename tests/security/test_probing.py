"""A user probing ids (SECURITY.md 17, issue 8.14): every refusal stays audited, but as one
chain row per user × kind × minute carrying the count and the first ids — a 17,000-request
scan used to add 17,000 rows, each taking the chain's write lock — and a user who keeps
probing is answered 429."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.audit.models import AuditEvent, DenialTally
from app.extensions import db
from tests.conftest import seal_denials


def _chain_length(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_a_scan_is_counted_not_copied_into_the_chain(app, login_as, school_fixture, monkeypatch) -> None:
    from app.audit import services
    from app.core.models import utcnow

    minute = utcnow().replace(second=30)
    monkeypatch.setattr(services, "utcnow", lambda: minute)  # the scan stays inside one minute
    client = login_as(school_fixture.t1)
    before = _chain_length(app)
    for student_id in range(1000, 1200):  # 200 ids that are not T1's
        assert client.get(f"/school/students/{student_id}").status_code == 404
    with app.app_context():
        tally = db.session.scalar(select(DenialTally))
        assert tally.count == 200 and len(tally.first) == 5
    assert _chain_length(app) == before  # nothing written to the chain while the minute lasts
    seal_denials(app)
    assert _chain_length(app) == before + 1
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert (event.action, event.actor_id, event.subject_type) == ("authz.denied", school_fixture.t1.id, "student")
        assert event.changes["count"] == 200
        assert [d["subject_id"] for d in event.changes["first"]] == ["1000", "1001", "1002", "1003", "1004"]
        assert db.session.scalar(select(func.count()).select_from(DenialTally)) == 0


def test_the_next_minute_writes_the_last_minutes_tally_to_the_chain(app, login_as, school_fixture, monkeypatch) -> None:
    from app.audit import services
    from app.core.models import utcnow

    now = [utcnow()]
    monkeypatch.setattr(services, "utcnow", lambda: now[0])
    client = login_as(school_fixture.t1)
    for student_id in (5001, 5002, 5003):
        assert client.get(f"/school/students/{student_id}").status_code == 404
    before = _chain_length(app)
    now[0] += timedelta(minutes=1)
    assert client.get("/school/students/5004").status_code == 404  # a new minute: the old one is sealed
    assert _chain_length(app) == before + 1
    with app.app_context():
        sealed = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert sealed.changes["count"] == 3
        assert db.session.scalar(select(DenialTally.count)) == 1  # 5004, this minute


def test_a_user_who_keeps_probing_is_answered_429_and_others_are_not(app, login_as, school_fixture) -> None:
    app.config["SODIENTU_PROBE_LIMIT"] = 5
    prober = login_as(school_fixture.t1)
    codes = [prober.get(f"/school/students/{i}").status_code for i in range(7000, 7008)]
    assert codes == [404] * 5 + [429] * 3
    assert "đợi một phút" in prober.get("/school/students/7100").text
    colleague = login_as(school_fixture.t2)
    assert colleague.get("/school/students/7000").status_code == 404
    assert colleague.get("/").status_code == 200
