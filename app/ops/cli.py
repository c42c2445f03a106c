"""`flask backup [--output DIR] [--keep N]`, `flask backup --verify ARCHIVE`, `flask restore ARCHIVE`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from app.ops import backup, restore


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


@click.command("backup")
@with_appcontext
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    help="Thư mục ghi tệp sao lưu (mặc định SODIENTU_BACKUP_DIR, hoặc <thư mục dữ liệu>/backups).",
)
@click.option("--keep", type=click.IntRange(min=1), help="Chỉ giữ N bản sao lưu mới nhất trong thư mục đó.")
@click.option(
    "--verify",
    "verify_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Không sao lưu: kiểm tra tệp sao lưu này (mã băm từng thành phần, chữ ký, bản chụp).",
)
def backup_command(output: Path | None, keep: int | None, verify_path: Path | None) -> None:
    """Sao lưu cơ sở dữ liệu, kho tệp và điểm neo nhật ký vào một tệp (chạy được khi ứng dụng đang phục vụ)."""
    if verify_path is not None:
        _verify(verify_path)
        return
    try:
        made = backup.create(output or backup.default_output(), keep=keep)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    m = made.manifest
    size = made.path.stat().st_size / (1024 * 1024)
    click.echo(
        f"Đã sao lưu vào {made.path} ({size:.1f} MB): cơ sở dữ liệu {m['database']['dialect']} "
        f"(revision {m['alembic_revision']}), nhật ký seq={m['audit_head']['seq']}, "
        f"{m['files']['count']} tệp, {m['checkpoints']} điểm neo."
    )
    if m["files"]["missing"]:
        click.echo(f"Cảnh báo: thiếu {len(m['files']['missing'])} tệp mà dữ liệu nhắc tới.", err=True)
    if m["signature"]["key_source"] != "SODIENTU_CHECKPOINT_KEY":
        click.echo(
            "Cảnh báo: chưa đặt SODIENTU_CHECKPOINT_KEY; bản kê được ký bằng khoá suy ra từ SECRET_KEY.", err=True
        )
    for path in made.removed:
        click.echo(f"Đã xoá bản cũ {path.name}")


def _verify(archive: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="sodientu-verify-") as tmp:
        report = backup.verify(archive, Path(tmp))
    for warning in report.warnings:
        click.echo(f"Cảnh báo: {warning}", err=True)
    if not report.ok:
        for problem in report.problems:
            click.echo(f"HỎNG: {problem}", err=True)
        raise SystemExit(1)
    m = report.manifest or {}
    click.echo(
        f"OK: {archive.name} toàn vẹn — {len(m['members'])} thành phần khớp bản kê, chữ ký hợp lệ, "
        f"lúc {m['created_at']}, revision {m['alembic_revision']}, nhật ký seq={m['audit_head']['seq']}."
    )


@click.command("restore")
@with_appcontext
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--accept-unsigned",
    is_flag=True,
    help="Chấp nhận bản kê không kiểm tra được chữ ký (khoá cũ đã mất); mã băm từng thành phần vẫn phải khớp.",
)
def restore_command(archive: Path, accept_unsigned: bool) -> None:
    """Khôi phục một bản sao lưu vào một cơ sở dữ liệu trống và một thư mục dữ liệu trống."""
    try:
        done = restore.restore(archive, accept_unsigned=accept_unsigned)
    except restore.RestoreRefused as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from exc
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in done.warnings:
        click.echo(f"Cảnh báo: {warning}", err=True)
    click.echo(
        f"Đã khôi phục cơ sở dữ liệu {done.dialect} (revision {done.alembic_revision}, nhật ký seq={done.audit_seq}), "
        f"{done.files} tệp, {done.checkpoints} điểm neo."
    )
    click.echo("Tiếp theo: flask db upgrade, rồi flask audit verify --checkpoints <thư mục điểm neo>.")
