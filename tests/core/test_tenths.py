"""Scores are stored as integer tenths (`app.core.models.Tenths`): every stored value reads
back as the one-decimal Decimal that was written, through the real column."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select

from app.core.models import Tenths


def test_every_score_reads_back_as_written_with_one_decimal(tmp_path) -> None:  # type: ignore[no-untyped-def]
    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("v", Tenths))
    engine = create_engine(f"sqlite:///{tmp_path / 't.db'}")  # a file: the app requires WAL
    table.metadata.create_all(engine)
    written = [Decimal(n).scaleb(-1) for n in range(101)] + [Decimal("12.5"), Decimal("-0.5"), None]
    with engine.begin() as conn:
        conn.execute(insert(table), [{"id": i, "v": v} for i, v in enumerate(written)])
        stored = [r[0] for r in conn.exec_driver_sql("SELECT v FROM t ORDER BY id")]
        read = [r[0] for r in conn.execute(select(table.c.v).order_by(table.c.id))]
    assert stored[:101] == list(range(101)) and stored[101:] == [125, -5, None]
    assert read == written
    assert [str(v) for v in read[:3]] + [str(read[100]), str(read[101])] == ["0.0", "0.1", "0.2", "10.0", "12.5"]
    assert all(v.as_tuple().exponent == -1 for v in read if v is not None)
