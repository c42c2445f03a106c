"""Audit checkpoints (issue 13.3, SECURITY.md test 21): the head signed and kept outside the
database; `flask audit verify --checkpoints DIR` catches what the chain alone cannot — the
last rows deleted, or a stretch rewritten with recomputed hashes — and names the gap."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from app.audit import checkpoints
from app.audit import services as audit
from app.audit.models import AuditEvent
from app.extensions import db
from tests.ops.conftest import attacker, invoke

KEY = "khoa-diem-neo-cua-truong-2024"


@pytest.fixture
def chained(app):  # type: ignore[no-untyped-def]
    """60 events in the chain; checkpoints signed with the school's key."""
    app.config["SODIENTU_CHECKPOINT_KEY"] = KEY
    add_events(app, 60)
    return app


def add_events(app, n: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        for i in range(n):
            audit.record(None, "test.event", ("thing", i), changes={"tên": [None, f"Nguyễn Văn Ánh {i}"]})
        db.session.commit()


def folder(app) -> Path:  # type: ignore[no-untyped-def]
    return Path(app.config["SODIENTU_DATA_DIR"]) / "checkpoints"


def checkpoint(app) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    return invoke(app, "audit", "checkpoint")


def verify(app, where: Path | None = None) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    return invoke(app, "audit", "verify", "--checkpoints", str(where or folder(app)))


def rewrite(app, first: int, last: int) -> None:  # type: ignore[no-untyped-def]
    """The attacker edits rows first…last and recomputes every hash from there on, so that
    the chain is consistent again (`flask audit verify` alone says OK)."""
    table = AuditEvent.__table__
    with attacker(app) as conn:
        rows = conn.execute(select(table).where(table.c.seq >= first - 1).order_by(table.c.seq)).mappings().all()
        prev = rows[0]["hash"] if first > 1 else audit.GENESIS
        for row in rows[1:] if first > 1 else rows:
            fake = AuditEvent(**{**row, "comment": "đã sửa" if row["seq"] <= last else row["comment"]})
            new_hash = audit.compute_hash(fake, prev)
            conn.execute(
                update(table)
                .where(table.c.seq == row["seq"])
                .values(comment=fake.comment, prev_hash=prev, hash=new_hash)
            )
            prev = new_hash


def test_a_checkpoint_is_the_signed_head_written_outside_the_database(chained) -> None:
    code, out = checkpoint(chained)
    assert code == 0, out
    (path,) = folder(chained).glob("checkpoint-*-seq60.json")
    data = json.loads(path.read_text("utf-8"))
    with chained.app_context():
        assert (data["seq"], data["hash"]) == audit.head()
    assert data["key_source"] == "SODIENTU_CHECKPOINT_KEY" and len(data["signature"]) == 64
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert "Cảnh báo: chưa đặt SODIENTU_CHECKPOINT_KEY" not in out
    assert f"Đã ghi điểm neo seq=60 head={data['hash']}" in out
    code, out = verify(chained)
    assert code == 0, out
    assert "OK: chuỗi nhật ký toàn vẹn (seq=60" in out
    assert "OK: chuỗi chứa đủ 1 điểm neo (mới nhất seq=60" in out


def test_without_a_key_of_its_own_the_checkpoint_is_signed_from_secret_key_with_a_warning(app) -> None:
    add_events(app, 3)
    code, out = checkpoint(app)
    assert code == 0
    assert "Cảnh báo: chưa đặt SODIENTU_CHECKPOINT_KEY" in out
    (path,) = folder(app).glob("*.json")
    assert json.loads(path.read_text("utf-8"))["key_source"] == "SECRET_KEY"
    assert verify(app)[0] == 0


def test_the_directory_comes_from_config(chained, tmp_path) -> None:
    elsewhere = tmp_path / "mounted-share" / "anchors"
    chained.config["SODIENTU_CHECKPOINT_DIR"] = str(elsewhere)
    assert checkpoint(chained)[0] == 0
    assert len(list(elsewhere.glob("checkpoint-*.json"))) == 1
    assert not folder(chained).exists()


def test_deleting_the_last_ten_rows_passes_the_chain_but_not_the_checkpoint(chained) -> None:
    checkpoint(chained)
    table = AuditEvent.__table__
    with attacker(chained) as conn:
        conn.execute(delete(table).where(table.c.seq > 50))
    code, out = invoke(chained, "audit", "verify")
    assert code == 0 and "seq=50" in out  # the chain alone cannot tell
    code, out = verify(chained)
    assert code == 1
    assert "ghi seq=60 nhưng chuỗi chỉ còn 50 dòng: thiếu các dòng seq=51…60 (bị xoá)" in out
    assert "HỎNG: chuỗi nhật ký không khớp với điểm neo" in out


def test_rewriting_rows_with_recomputed_hashes_is_caught_and_the_stretch_named(chained) -> None:
    checkpoint(chained)  # at seq 60
    add_events(chained, 40)
    checkpoint(chained)  # at seq 100
    rewrite(chained, 71, 100)
    code, out = invoke(chained, "audit", "verify")
    assert code == 0, out  # consistent again: the chain alone says OK
    code, out = verify(chained)
    assert code == 1
    assert "Dòng seq=100 không mang mã băm của điểm neo" in out
    assert "nhật ký đã bị viết lại trong khoảng seq=61…100" in out
    assert out.count("ĐIỂM NEO:") == 1, out  # the older checkpoint (seq 60) still holds


def test_a_rewrite_of_the_whole_chain_before_the_first_checkpoint_is_caught(chained) -> None:
    checkpoint(chained)
    rewrite(chained, 1, 60)
    assert invoke(chained, "audit", "verify")[0] == 0
    code, out = verify(chained)
    assert code == 1 and "viết lại trong khoảng seq=1…60" in out


def test_truncated_then_refilled_to_the_same_length_is_caught(chained) -> None:
    checkpoint(chained)
    table = AuditEvent.__table__
    with attacker(chained) as conn:
        conn.execute(delete(table).where(table.c.seq > 55))
    add_events(chained, 5)  # seq 56…60 again, other content
    assert invoke(chained, "audit", "verify")[0] == 0
    code, out = verify(chained)
    assert code == 1 and "Dòng seq=60 không mang mã băm" in out


def test_an_untouched_chain_holds_every_checkpoint(chained) -> None:
    for _ in range(3):
        checkpoint(chained)
        add_events(chained, 7)
    code, out = verify(chained)
    assert code == 0, out
    assert "OK: chuỗi chứa đủ 3 điểm neo (mới nhất seq=74" in out


def test_a_forged_checkpoint_is_reported(chained) -> None:
    checkpoint(chained)
    (path,) = folder(chained).glob("*.json")
    data = json.loads(path.read_text("utf-8"))
    data["seq"], data["hash"] = 40, "ab" * 32  # an attacker moves the anchor back and re-hashes
    path.write_text(json.dumps(data), "utf-8")
    code, out = verify(chained)
    assert code == 1
    assert f"{path.name}: chữ ký không hợp lệ — nội dung điểm neo đã bị sửa" in out


def test_a_checkpoint_signed_with_another_key_is_reported_as_such(chained) -> None:
    chained.config["SODIENTU_CHECKPOINT_KEY"] = "khoa-cua-ke-gia-mao"
    checkpoint(chained)
    chained.config["SODIENTU_CHECKPOINT_KEY"] = KEY
    code, out = verify(chained)
    assert code == 1
    assert "chữ ký không hợp lệ — được ký bằng một khoá khác với khoá hiện tại" in out


def test_unreadable_files_are_reported_and_an_empty_directory_fails(chained, tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out = verify(chained, empty)
    assert code == 1 and f"Không có điểm neo nào trong {empty}" in out
    (empty / "checkpoint-x.json").write_text("{not json", "utf-8")
    code, out = verify(chained, empty)
    assert code == 1 and "checkpoint-x.json: không đọc được" in out


def test_gaps_is_pure_and_bounds_the_rewritten_stretch() -> None:
    at = datetime(2026, 11, 24, 3, tzinfo=UTC)
    cps = [checkpoints.Checkpoint(s, f"{s:064x}", at, f"cp{s}") for s in (10, 20, 30)]
    stored = {10: f"{10:064x}", 20: f"{20:064x}", 30: "f" * 64}
    assert checkpoints.gaps(cps, 30, stored) == [
        "Dòng seq=30 không mang mã băm của điểm neo cp30 (lúc 24/11/2026 10:00:00): "
        "nhật ký đã bị viết lại trong khoảng seq=21…30"
    ]
    assert checkpoints.gaps(cps, 25, stored)[0].endswith("thiếu các dòng seq=26…30 (bị xoá)")
    assert checkpoints.gaps(cps[:2], 30, stored) == []


# --- the BGH dashboard ------------------------------------------------------------------------


def test_the_principal_is_warned_when_no_checkpoint_is_newer_than_a_day(chained, login_as, school_fixture) -> None:
    page = login_as(school_fixture.ht).get("/").text
    assert "Chưa có điểm neo nhật ký nào trong 24 giờ qua" in page and "Chưa có điểm neo nào." in page
    with chained.app_context():
        old, _ = checkpoints.write(now=datetime.now(UTC) - timedelta(hours=25))
    page = login_as(school_fixture.ht).get("/").text
    assert "Chưa có điểm neo nhật ký nào trong 24 giờ qua" in page
    assert f'id="audit-anchor-seq">{old.seq}<' in page and "Khớp với nhật ký hiện tại" in page


def test_a_fresh_checkpoint_is_shown_with_its_match_and_no_warning(chained, login_as, school_fixture) -> None:
    with chained.app_context():
        seq, _ = audit.head()
    checkpoint(chained)
    client = login_as(school_fixture.ht)
    for url in ("/", "/audit/head"):
        page = client.get(url).text
        assert "Chưa có điểm neo nhật ký nào trong 24 giờ qua" not in page
        assert f'id="audit-anchor-seq">{seq}<' in page and "Khớp với nhật ký hiện tại" in page
    table = AuditEvent.__table__
    with attacker(chained) as conn:
        conn.execute(delete(table).where(table.c.seq > 50))
    assert "Không khớp với nhật ký hiện tại" in client.get("/audit/head").text


def test_teachers_see_no_checkpoint_card(chained, login_as, school_fixture) -> None:
    checkpoint(chained)
    page = login_as(school_fixture.t1).get("/").text
    assert "audit-anchor" not in page and "điểm neo" not in page.lower()
