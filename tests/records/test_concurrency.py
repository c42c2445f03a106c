"""Two reviewers (or a double click) at the same instant: exactly one decision wins."""

from __future__ import annotations

import threading

from app.accounts.models import User
from app.core.workflow import WorkflowConflict
from app.extensions import db
from app.records import services
from app.records.models import Record


def _race(app, record_id: int, actors: list[int], verb: str, **kw) -> list[str]:  # type: ignore[no-untyped-def]
    """Every actor loads the record (same version), waits at a barrier, then acts."""
    barrier = threading.Barrier(len(actors))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(actor_id: int) -> None:
        with app.test_request_context("/", method="POST"):
            try:
                record = db.session.get(Record, record_id)
                actor = db.session.get(User, actor_id)
                seen = record.version
                list(record.decisions), list(record.versions), actor.roles  # noqa: B018
                db.session.commit()  # end the read transaction before the race
                barrier.wait()
                getattr(services, verb)(actor, record, seen_version=seen, **kw)
                db.session.commit()
                result = "ok"
            except WorkflowConflict:
                db.session.rollback()
                result = "conflict"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return sorted(outcomes)


def test_two_simultaneous_approvals_one_wins(app, rec, make_record, make_user, load, audit_tail, head_seq) -> None:
    from app.core.authz import Role

    record_id = make_record(submit=True)
    with app.app_context():  # the tổ gets a deputy, so two people may take step 0
        from app.school import services as school
        from app.school.models import Department

        dept = db.session.get(Department, rec.dept_toan.id)
        school.update_department(None, dept, name=dept.name, head_id=rec.tt_toan.id, deputy_id=rec.t2.id)
        db.session.commit()
    before = head_seq()
    assert _race(app, record_id, [rec.tt_toan.id, rec.t2.id], "approve_record") == ["conflict", "ok"]
    record = load(record_id)
    assert record.step == 1 and [d.action for d in record.decisions] == ["submit", "approve"]
    assert [a for a, *_ in audit_tail(before)] == ["record.approved"]
    pht = make_user("pht", roles=(Role.VICE_PRINCIPAL,))
    assert _race(app, record_id, [rec.ht.id, pht.id], "approve_record") == ["conflict", "ok"]
    assert load(record_id).state == "approved"


def test_a_double_click_approves_once(app, rec, make_record, load) -> None:
    record_id = make_record(submit=True)
    outcomes = _race(app, record_id, [rec.tt_toan.id, rec.tt_toan.id], "approve_record")
    assert outcomes == ["conflict", "ok"]
    assert [d.action for d in load(record_id).decisions] == ["submit", "approve"]


def test_traced_downloads_and_exports_never_fail_while_others_write(app, rec, make_record, login_as, load) -> None:
    """The download and the BGH export read, then audit in a fresh write transaction: with
    three teachers commenting at the same time, none of them answers a 5xx (SQLite refuses
    at once to upgrade a stale read transaction: "database is locked")."""
    record_id = make_record(rec.t1, submit=True)
    file_id = load(record_id).versions[0].files[0].id
    stop = threading.Event()
    statuses: list[tuple[str, int]] = []
    lock = threading.Lock()

    def run(user, label: str, request) -> None:  # type: ignore[no-untyped-def]
        client = login_as(user)
        for _ in range(12):
            if stop.is_set():
                break
            response = request(client)
            response.close()
            with lock:
                statuses.append((label, response.status_code))

    writers = [
        threading.Thread(
            target=run,
            args=(who, "comment", lambda c: c.post(f"/records/{record_id}/comments", data={"body": "Đã xem."})),
        )
        for who in (rec.t1, rec.tt_toan, rec.ht)
    ]
    readers = [
        threading.Thread(
            target=run, args=(rec.tt_toan, "download", lambda c: c.get(f"/records/{record_id}/files/{file_id}"))
        ),
        threading.Thread(target=run, args=(rec.ht, "export", lambda c: c.get("/records/school/export.xlsx"))),
        threading.Thread(target=run, args=(rec.ht, "page", lambda c: c.get(f"/records/{record_id}"))),
    ]
    threads = writers + readers
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    stop.set()
    failed = [s for s in statuses if s[1] >= 500]
    assert failed == []
    assert {label for label, _ in statuses} == {"comment", "download", "export", "page"}
    assert all(code in (200, 303) for _, code in statuses), sorted(set(statuses))
