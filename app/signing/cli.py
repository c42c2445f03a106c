"""`flask signing make-test-certs [--dir DIR] [--ec] [--register]`: a throwaway CA, the
school's seal and a certificate for every GVCN and member of the BGH — TEST certificates
(their OU says "CHỨNG THƯ THỬ NGHIỆM — không có giá trị pháp lý"), for trials and tests."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.core.database import unit_of_work
from app.school import queries as school_queries
from app.signing import queries, services
from app.signing.services import pki

signing_cli = AppGroup("signing", help="Chữ ký số: chứng thư thử nghiệm, con dấu của trường.")


def register(app: Flask) -> None:
    app.cli.add_command(signing_cli)


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.chmod(0o600)


@signing_cli.command("make-test-certs")
@click.option("--dir", "folder", type=click.Path(file_okay=False), default=None, help="Thư mục ghi các tệp.")
@click.option("--ec", is_flag=True, help="Khóa EC P-256 thay cho RSA-2048.")
@click.option("--register", "do_register", is_flag=True, help="Đăng ký luôn chứng thư của từng người.")
def make_test_certs(folder: str | None, ec: bool, do_register: bool) -> None:
    """Tạo CA thử nghiệm, con dấu của trường và chứng thư cho từng GVCN, hiệu trưởng, phó hiệu trưởng."""
    out = Path(folder or Path(current_app.instance_path) / "test-certs")
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    kind = "ec" if ec else "rsa"
    school = school_queries.the_school()
    org = (school.name if school else "Trường thử nghiệm")[:64]
    password = secrets.token_urlsafe(9)
    ca = pki.make_ca(org, kind=kind)
    (out / "ca.pem").write_bytes(pki.pem(ca.cert))
    seal = pki.make_cert(ca, f"Con dấu {org}"[:64], org, kind=kind)
    _write(out / "seal.p12", pki.to_p12(seal, ca, password, "seal"))
    people = queries.people_who_sign()
    made: list[tuple[str, Path]] = []
    for user in people:
        item = pki.make_cert(ca, user.full_name, org, kind=kind)
        path = out / f"{user.username}.p12"
        data = pki.to_p12(item, ca, password, user.username)
        _write(path, data)
        made.append((user.username, path))
        if do_register:
            with unit_of_work():
                services.register(user, data, password)
    click.echo(f"CHỨNG THƯ THỬ NGHIỆM — không có giá trị pháp lý. Thư mục: {out}")
    click.echo(f"Mật khẩu của mọi tệp .p12: {password}")
    click.echo(f"CA thử nghiệm: {out / 'ca.pem'}  (SODIENTU_TRUST_ROOTS)")
    click.echo(f"Con dấu: {out / 'seal.p12'}  (SODIENTU_SEAL_P12, SODIENTU_SEAL_PASSWORD)")
    if not made:
        click.echo("Chưa có giáo viên chủ nhiệm hay thành viên Ban giám hiệu nào: chỉ tạo CA và con dấu.")
    for username, path in made:
        click.echo(f"  {username}: {path}" + ("  (đã đăng ký)" if do_register else ""))
