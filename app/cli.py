"""CLI commands (registered in create_app). Commands call services and commit at the end."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.core import files
from app.core.authz import ASSIGNABLE_ROLES, Role
from app.extensions import db
from app.school import queries as school_queries
from app.school.demo import DemoSchool

#: other domains' demo data, run in order after the school is committed (each gets the
#: school and the same seeded random generator, and must be deterministic); append with
#: `DEMO_SEEDERS.append(my_seeder)` where the domain registers its CLI.
DEMO_SEEDERS: list[Callable[[DemoSchool, random.Random], None]] = []
DEMO_SEED = 2024


def register(app: Flask) -> None:
    from app.gradebook.demo import seed_gradebook
    from app.homeroom.demo import seed_homeroom

    for seeder in (seed_gradebook, seed_homeroom):  # the class book right after the grade books
        if seeder not in DEMO_SEEDERS:
            DEMO_SEEDERS.append(seeder)
    from app.records.demo import seed_records
    from app.results.demo import seed_results

    for seeder in (seed_records, seed_results):  # the close last: it needs the books and class books
        if seeder not in DEMO_SEEDERS:
            DEMO_SEEDERS.append(seeder)
    app.cli.add_command(files_cli)
    app.cli.add_command(create_user)
    app.cli.add_command(seed_demo)
    app.cli.add_command(import_file)


files_cli = AppGroup("files", help="Kho tệp (uploads).")


@files_cli.command("sweep")
def sweep_files() -> None:
    """Hoàn tất hoặc huỷ các tệp dở dang sau sự cố (finish or drop staged files after a crash)."""
    result = files.sweep(db.session())
    db.session.commit()
    click.echo(f"Đã lưu {result.stored} tệp, xoá {result.deleted} tệp dở dang.")


@click.command("create-user")
@click.argument("username")
@click.option("--full-name", required=True, help="Họ và tên")
@click.option(
    "--role",
    "roles",
    multiple=True,
    default=["giao_vien"],
    type=click.Choice([r.value for r in ASSIGNABLE_ROLES]),
    show_default=True,
)
@click.password_option("--password", help="Mật khẩu (hỏi nếu không truyền)")
def create_user(username: str, full_name: str, roles: tuple[str, ...], password: str) -> None:
    """Tạo tài khoản cán bộ (create a staff account)."""
    try:
        user = accounts.create_user(
            None,
            username=username,
            full_name=full_name,
            password=password,
            roles=tuple(Role(r) for r in roles),
            must_change_password=False,
        )
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Đã tạo tài khoản {user.username} ({user.role_labels}).")


def _database_is_empty() -> bool:
    from app.school.models import School

    users = db.session.scalar(select(func.count()).select_from(User)) or 0
    schools = db.session.scalar(select(func.count()).select_from(School)) or 0
    return users == 0 and schools == 0


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Không làm gì (mã thoát 0) nếu cơ sở dữ liệu đã có dữ liệu.")
def seed_demo(if_empty: bool) -> None:
    """Tạo trường mẫu THCS năm học 2024-2025 (load the demo school)."""
    from app.school.demo import seed_school

    if not _database_is_empty():
        click.echo("Cơ sở dữ liệu đã có dữ liệu: không tạo trường mẫu (seed-demo chỉ chạy trên cơ sở dữ liệu trống).")
        if if_empty:
            _remind_demo_logins()
            return
        raise SystemExit(1)
    rng = random.Random(DEMO_SEED)
    demo = seed_school(rng)
    db.session.commit()
    for seeder in DEMO_SEEDERS:
        seeder(demo, rng)
        db.session.commit()
    students = school_queries.admin_counts(demo.year)["students"]  # on the rosters (a moved student once)
    click.echo(
        f"Đã tạo {demo.school.name} ({demo.school.province}), năm học {demo.year.name}: "
        f"{len(demo.classes)} lớp, {students} học sinh, {len(demo.teachers)} giáo viên."
    )
    click.echo("")
    click.echo(f"Tài khoản mẫu — mật khẩu chung: {demo.password}")
    width = max(len(login.username) for login in demo.logins)
    for login in demo.logins:
        click.echo(f"  {login.username:<{width}}  {login.role:<22}  {login.description}")
    if demo.hints:
        click.echo("")
        for hint in demo.hints:
            click.echo(hint)


def _remind_demo_logins() -> None:
    """On an already seeded database (a second `make run`), still show the demo logins."""
    from app.school.demo import DEMO_PASSWORD, DEMO_USERNAMES

    present = set(db.session.scalars(select(User.username).where(User.username.in_(DEMO_USERNAMES))))
    if present:
        names = ", ".join(u for u in DEMO_USERNAMES if u in present)
        click.echo(f"Tài khoản mẫu: {names} — mật khẩu chung {DEMO_PASSWORD} (nếu chưa đổi).")


@click.command("import")
@with_appcontext
@click.argument("kind", type=click.Choice(["roster", "staff", "assignments"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--class", "class_name", help="Lớp nhận danh sách học sinh (ví dụ 6A1), năm học hiện tại.")
@click.option("--as", "actor_name", help="Tên đăng nhập của người nhập (ghi vào nhật ký).")
def import_file(kind: str, path: Path, class_name: str | None, actor_name: str | None) -> None:
    """Nhập tệp Excel như màn hình Nhập từ Excel: báo lỗi từng dòng, có lỗi thì không nhập gì."""
    from app.core.database import unit_of_work
    from app.core.errors import DomainError
    from app.school import imports, queries

    actor = None
    if actor_name:
        actor = accounts.find_by_username(actor_name)
        if actor is None:
            raise click.ClickException(f"Không có tài khoản '{actor_name}'.")
    class_id = None
    if class_name:
        year = queries.current_year()
        school_class = queries.class_named(year, class_name)
        if school_class is None:
            raise click.ClickException(f"Không có lớp {class_name} trong năm học {year.name if year else '(chưa có)'}.")
        class_id = school_class.id
    with unit_of_work(catch=True) as work:
        result = imports.run(kind, actor, path.read_bytes(), imports.ImportOptions(class_id), filename=path.name)
    if isinstance(work.error, imports.ImportRejected):
        for message in work.error.preview.messages:
            click.echo(message, err=True)
        click.echo(f"Có {len(work.error.preview.messages)} lỗi: không dòng nào được nhập.", err=True)
        raise SystemExit(1)
    if work.error is not None:  # not a readable .xlsx, or the data changed while importing
        cause = work.error.__cause__
        detail = f"{cause.message} " if isinstance(cause, DomainError) else ""
        raise click.ClickException(detail + work.error.message)
    click.echo(result.summary)
    for username, name, password in result.credentials:
        click.echo(f"  {username}\t{name}\t{password}")
