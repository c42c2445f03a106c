"""CLI commands (registered in create_app). Commands call services and commit at the end."""

from __future__ import annotations

import click
from flask import Flask

from app.accounts import services as accounts
from app.core.authz import ASSIGNABLE_ROLES, Role
from app.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(create_user)


@click.command("create-user")
@click.argument("username")
@click.option("--full-name", required=True, help="Họ và tên")
@click.option("--role", "roles", multiple=True, default=["giao_vien"],
              type=click.Choice([r.value for r in ASSIGNABLE_ROLES]), show_default=True)
@click.password_option("--password", help="Mật khẩu (hỏi nếu không truyền)")
def create_user(username: str, full_name: str, roles: tuple[str, ...], password: str) -> None:
    """Tạo tài khoản cán bộ (create a staff account)."""
    try:
        user = accounts.create_user(None, username=username, full_name=full_name, password=password,
                                    roles=tuple(Role(r) for r in roles),
                                    must_change_password=False)
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Đã tạo tài khoản {user.username} ({user.role_labels}).")
