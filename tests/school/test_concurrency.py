"""The audited roster export (a GET that writes) and the class pages while other admins
save: no 5xx. The export reads at length, then writes its audit row in a fresh write
transaction (unit_of_work(fresh=True)); upgrading its read transaction instead would fail
at once on SQLite ("database is locked") whenever someone wrote meanwhile."""

from __future__ import annotations

import threading

from tests.school.conftest import events


def test_exports_and_pages_while_three_admins_save(app, login_as, school_fixture, make_user) -> None:
    from app.core.authz import Role

    fx = school_fixture
    writers = [login_as(make_user(f"qt{n}", roles=(Role.ADMIN,))) for n in range(3)]
    reader = login_as(fx.ht)
    teachers = [fx.t1.id, fx.t2.id, fx.gv_van.id, ""]
    statuses: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(len(writers) + 1)

    def save(client, n: int) -> None:  # type: ignore[no-untyped-def]
        start.wait()
        for i in range(6):
            target = fx.c10a1 if (n + i) % 2 else fx.c10a2
            response = client.post(
                f"/school/admin/classes/{target.id}/homeroom",
                data={f"class{target.id}-homeroom_teacher_id": str(teachers[(n + i) % len(teachers)])},
            )
            with lock:
                statuses.append(response.status_code)

    threads = [threading.Thread(target=save, args=(c, n)) for n, c in enumerate(writers)]
    for thread in threads:
        thread.start()
    start.wait()
    reads = []
    for _ in range(6):
        reads.append(reader.get(f"/school/classes/{fx.c10a1.id}/export.xlsx").status_code)
        reads.append(reader.get(f"/school/classes/{fx.c10a2.id}").status_code)
    for thread in threads:
        thread.join(timeout=120)
    assert set(reads) == {200}, reads
    assert set(statuses) == {303}, statuses
    assert len(events(app, "class.roster_exported")) == 6
