"""`flask audit verify [--checkpoints DIR]`, `flask audit head` and `flask audit checkpoint`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from app.audit import checkpoints, services
from app.extensions import db

audit_cli = AppGroup("audit", help="Nhật ký kiểm toán (audit trail).")


@audit_cli.command("verify")
@click.option(
    "--checkpoints",
    "checkpoint_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Thư mục điểm neo: chuỗi phải chứa mọi điểm neo trong đó (đủ dài, đúng mã băm).",
)
def verify_command(checkpoint_dir: Path | None) -> None:
    """Walk the hash chain; exit 1 and name the first broken row (or the missing checkpoint)."""
    if services.seal_denials(include_current=True):  # refusals still being counted join the chain
        db.session.commit()
    result = services.verify()
    failed = not result.ok
    if result.ok:
        click.echo(f"OK: chuỗi nhật ký toàn vẹn (seq={result.head_seq}, head={result.head_hash})")
    else:
        click.echo(
            f"HỎNG tại seq={result.first_bad_seq}: {result.reason} (đã kiểm tra đúng {result.count} dòng đầu)",
            err=True,
        )
    if checkpoint_dir is not None:
        failed = _check_against(checkpoint_dir) or failed
    if failed:
        raise SystemExit(1)


def _check_against(folder: Path) -> bool:
    """Print the checkpoint check; True when something is wrong."""
    report = checkpoints.verify(folder)
    for problem in report.problems:
        click.echo(f"ĐIỂM NEO: {problem}", err=True)
    if report.problems:
        click.echo(f"HỎNG: chuỗi nhật ký không khớp với điểm neo trong {folder}", err=True)
        return True
    latest = report.latest
    assert latest is not None  # ok implies at least one checkpoint
    click.echo(f"OK: chuỗi chứa đủ {report.checked} điểm neo (mới nhất seq={latest.seq}, lúc {latest.local_time})")
    return False


@audit_cli.command("head")
def head_command() -> None:
    """Print the current head (seq and hash) to keep outside the server."""
    seq, head_hash = services.head()
    click.echo(f"seq={seq} head={head_hash}")


@audit_cli.command("checkpoint")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục ghi điểm neo (mặc định SODIENTU_CHECKPOINT_DIR).",
)
def checkpoint_command(folder: Path | None) -> None:
    """Ghi điểm neo: đầu chuỗi (seq, hash, thời điểm) có chữ ký HMAC, ra ngoài cơ sở dữ liệu."""
    key = checkpoints.signing_key()
    if key.is_fallback:
        click.echo(
            f"Cảnh báo: chưa đặt {checkpoints.KEY_ENV}; điểm neo được ký bằng khoá suy ra từ SECRET_KEY. "
            "Hãy đặt một khoá riêng và cất bản sao của nó ngoài máy chủ.",
            err=True,
        )
    if services.seal_denials(include_current=True):
        db.session.commit()
    folder = folder or checkpoints.directory()
    if checkpoints.beside_database(folder):
        click.echo(
            f"Cảnh báo: {folder} nằm cùng thư mục với cơ sở dữ liệu — ai sửa được cơ sở dữ liệu cũng xoá được "
            "điểm neo. Hãy đặt SODIENTU_CHECKPOINT_DIR sang ổ đĩa hoặc máy khác.",
            err=True,
        )
    cp, path = checkpoints.write(folder)
    click.echo(f"Đã ghi điểm neo seq={cp.seq} head={cp.hash} vào {path}")
