"""`flask parents purge-log [--days N]`: apply the access log's retention."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.core.database import unit_of_work
from app.parents import services

parents_cli = AppGroup("parents", help="Đường dẫn riêng cho phụ huynh: nhật ký truy cập.")


def register(app: Flask) -> None:
    app.cli.add_command(parents_cli)


@parents_cli.command("purge-log")
@click.option(
    "--days", type=click.IntRange(min=1), default=None, help="Giữ bao nhiêu ngày (mặc định: cài đặt của trường)."
)
def purge_log_command(days: int | None) -> None:
    """Xóa các dòng nhật ký truy cập của phụ huynh cũ hơn thời hạn lưu giữ."""
    with unit_of_work():
        removed = services.purge_log(days)
    kept = days if days is not None else services.retention_days()
    click.echo(f"Đã xóa {removed} dòng nhật ký truy cập cũ hơn {kept} ngày.")
