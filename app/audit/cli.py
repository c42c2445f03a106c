"""`flask audit verify` and `flask audit head`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.audit import services
from app.extensions import db

audit_cli = AppGroup("audit", help="Nhật ký kiểm toán (audit trail).")


@audit_cli.command("verify")
def verify_command() -> None:
    """Walk the hash chain; exit 1 and name the first broken row if any."""
    if services.seal_denials(include_current=True):  # refusals still being counted join the chain
        db.session.commit()
    result = services.verify()
    if result.ok:
        click.echo(f"OK: chuỗi nhật ký toàn vẹn (seq={result.head_seq}, head={result.head_hash})")
        return
    click.echo(
        f"HỎNG tại seq={result.first_bad_seq}: {result.reason} (đã kiểm tra đúng {result.count} dòng đầu)",
        err=True,
    )
    raise SystemExit(1)


@audit_cli.command("head")
def head_command() -> None:
    """Print the current head (seq and hash) to keep outside the server."""
    seq, head_hash = services.head()
    click.echo(f"seq={seq} head={head_hash}")
