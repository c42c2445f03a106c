"""The audit chain (SECURITY.md tests 18–20): tamper detection, append-only guards, no forks.

The tampering is done as an attacker with database access would: raw SQL on its own
connection, after dropping (SQLite) or disabling (PostgreSQL) the append-only triggers.
`flask audit verify` must then exit non-zero and name the first bad seq.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from app.audit import services as audit
from app.audit.models import AuditEvent, AuditTamperingError
from app.extensions import db

PAYLOAD = (
    "ts",
    "actor_id",
    "actor_name",
    "actor_role",
    "action",
    "subject_type",
    "subject_id",
    "changes",
    "comment",
    "request_id",
    "ip",
    "file_sha256",
)
NAME = "Nguyễn Thị Ngọc Ánh — giáo án tuần {i}"


def _table():  # type: ignore[no-untyped-def]
    return db.metadata.tables["audit_event"]


@pytest.fixture
def chain(app):  # type: ignore[no-untyped-def]
    """1000 events; odd ones carry decomposed (NFD) Vietnamese, as macOS/iOS send it."""
    with app.app_context():
        for i in range(1, 1001):
            name = NAME.format(i=i)
            if i % 2:
                name = unicodedata.normalize("NFD", name)
            audit.record(
                None, "test.event", ("thing", i), changes={"tên": [None, name]}, comment=name, file_sha256=f"{i:064x}"
            )
        db.session.commit()
    return app


@contextmanager
def attacker(app) -> Iterator:  # type: ignore[no-untyped-def]
    """A raw connection with the append-only triggers out of the way."""
    with app.app_context(), db.engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
        yield conn
        if postgres:
            conn.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))


def verify(runner) -> tuple[int, str, int | None]:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["audit", "verify"])
    out = result.output + (result.stderr if result.stderr_bytes is not None else "")
    bad = re.search(r"HỎNG tại seq=(\d+)", out)
    return result.exit_code, out, int(bad.group(1)) if bad else None


def test_an_intact_chain_verifies_and_names_its_head(chain, runner) -> None:
    code, out, _ = verify(runner)
    assert code == 0, out
    with chain.app_context():
        seq, head_hash = audit.head()
    assert seq == 1000 and f"seq=1000, head={head_hash}" in out


def test_composed_and_decomposed_text_hash_alike(chain) -> None:
    with chain.app_context():
        stored = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == 1))
        assert stored.comment == unicodedata.normalize("NFC", NAME.format(i=1))
        assert unicodedata.is_normalized("NFC", stored.changes["tên"][1])
        assert audit.compute_hash(stored, stored.prev_hash) == stored.hash


def test_a_modified_field_is_caught(chain, runner) -> None:
    with attacker(chain) as conn:
        conn.execute(update(_table()).where(_table().c.seq == 500).values(comment="sửa điểm"))
    code, out, first_bad = verify(runner)
    assert code != 0 and first_bad == 500, out


def test_a_deleted_row_is_caught(chain, runner) -> None:
    with attacker(chain) as conn:
        conn.execute(delete(_table()).where(_table().c.seq == 500))
    code, out, first_bad = verify(runner)
    assert code != 0 and first_bad == 500, out


def test_swapped_payloads_are_caught(chain, runner) -> None:
    t = _table()
    with attacker(chain) as conn:
        rows = {r.seq: r for r in conn.execute(select(t).where(t.c.seq.in_([499, 500])))}
        for seq, other in ((499, 500), (500, 499)):
            conn.execute(update(t).where(t.c.seq == seq).values({c: getattr(rows[other], c) for c in PAYLOAD}))
    code, out, first_bad = verify(runner)
    assert code != 0 and first_bad == 499, out


def test_an_inserted_self_consistent_row_is_caught(chain, runner) -> None:
    t = _table()
    with attacker(chain) as conn:
        row500 = conn.execute(select(t).where(t.c.seq == 500)).one()
        conn.execute(update(t).where(t.c.seq > 500).values(seq=-t.c.seq))
        conn.execute(update(t).where(t.c.seq < 0).values(seq=-t.c.seq + 1))
        forged = AuditEvent(
            seq=501,
            ts=row500.ts + timedelta(microseconds=1),
            actor_id=None,
            actor_name="Kẻ giả mạo",
            actor_role=None,
            action="grade.changed",
            subject_type="grade",
            subject_id="1",
            changes={"score": [5, 9]},
            comment=None,
            request_id=None,
            ip=None,
            file_sha256=None,
            prev_hash=row500.hash,
        )
        forged.hash = audit.compute_hash(forged, row500.hash)
        conn.execute(insert(t).values({c.name: getattr(forged, c.name) for c in t.columns}))
    code, out, first_bad = verify(runner)
    assert code != 0 and first_bad == 501, out


def test_a_rewritten_row_with_a_recomputed_hash_is_caught(chain, runner) -> None:
    t = _table()
    with chain.app_context():
        event = db.session.get(AuditEvent, 500)
        db.session.expunge(event)
        db.session.rollback()
    event.comment = "đã sửa và tính lại hash"
    new_hash = audit.compute_hash(event, event.prev_hash)
    with attacker(chain) as conn:
        conn.execute(update(t).where(t.c.seq == 500).values(comment=event.comment, hash=new_hash))
    code, out, first_bad = verify(runner)
    assert code != 0 and first_bad == 500, out


def test_the_database_refuses_update_and_delete_through_the_app_connection(chain) -> None:
    t = _table()
    with chain.app_context():
        for statement in (update(t).where(t.c.seq == 10).values(comment="x"), delete(t).where(t.c.seq == 10)):
            with pytest.raises(DBAPIError, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(statement)
        assert db.session.get(AuditEvent, 10).comment == NAME.format(i=10)  # unchanged


def test_the_orm_refuses_to_update_or_delete_an_event(chain) -> None:
    with chain.app_context():
        event = db.session.get(AuditEvent, 10)
        event.comment = "sửa qua ORM"
        with pytest.raises(AuditTamperingError):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, 10))
        with pytest.raises(AuditTamperingError):
            db.session.flush()
        db.session.rollback()


def _in_threads(app, writer, count: int, errors: list[BaseException]) -> list:  # type: ignore[no-untyped-def]
    """Run `writer(n)` in `count` threads at once; the chain's (seq, prev_hash, hash) after."""
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    with app.app_context():
        return list(
            db.session.execute(select(AuditEvent.seq, AuditEvent.prev_hash, AuditEvent.hash).order_by(AuditEvent.seq))
        )


def test_concurrent_appends_never_fork_the_chain(app, runner) -> None:
    """20 threads × 50 record() calls, each in its own transaction."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with app.app_context():
                for i in range(50):
                    audit.record(None, "test.concurrent", ("thread", n), changes={"i": i})
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    with app.app_context():
        start = audit.head()[0]
    rows = _in_threads(app, writer, 20, errors)
    seqs = [r.seq for r in rows]
    assert seqs == list(range(1, start + 1001))  # contiguous
    prevs = [r.prev_hash for r in rows]
    assert len(set(prevs)) == len(prevs)  # each hash is the parent of at most one row: no fork
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, len(rows)))
    code, out, _ = verify(runner)
    assert code == 0, out


def _head_reads(app, fn) -> int:  # type: ignore[no-untyped-def]
    """How many times `fn` reads the chain's head (its SELECT … ORDER BY seq DESC)."""
    from sqlalchemy import event

    reads = [0]

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if (
            statement.lstrip().upper().startswith("SELECT")
            and "FROM audit_event ORDER BY audit_event.seq DESC" in statement
        ):
            reads[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return reads[0]


def test_a_transaction_of_many_events_reads_the_head_once_and_forgets_it_when_it_ends(app, runner) -> None:
    """After its first event a transaction holds the chain's lock, so the event it wrote is
    the head: its next appends (record and append alike) chain on it without reading it
    again. A rollback forgets it: the next transaction chains on the stored head."""

    def many() -> None:
        with app.app_context():
            for i in range(5):
                audit.record(None, "test.many", ("thing", i), changes={"i": i})
                audit.append(None, "test.many", ("thing", str(i)), changes={"i": i})
            db.session.commit()

    def rolled_back_then_one() -> None:
        with app.app_context():
            audit.record(None, "test.undone", ("thing", 1))
            db.session.rollback()
            audit.record(None, "test.kept", ("thing", 2))
            db.session.commit()

    assert _head_reads(app, many) == 1
    assert _head_reads(app, rolled_back_then_one) == 2
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[-11:] == ["test.many"] * 10 + ["test.kept"]
    code, out, _ = verify(runner)
    assert code == 0, out


def test_concurrent_transactions_of_many_events_never_fork_the_chain(app, runner) -> None:
    """8 threads × 10 transactions of 5 events each, `record` and `append` mixed."""
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            with app.app_context():
                for t in range(10):
                    for i in range(5):
                        write = audit.record if i % 2 else audit.append
                        write(None, "test.batch", ("thread", str(n)), changes={"t": t, "i": i})
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    rows = _in_threads(app, writer, 8, errors)
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1)) and len(rows) >= 400
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, len(rows)))
    code, out, _ = verify(runner)
    assert code == 0, out
