"""Shared set-up of the verification tests: an issued báo liên lạc (through the issuing
service, as tests/reports/test_issue.py does), a throwaway CA made here with `cryptography`
(EC P-256: fast), and PDFs signed with pyHanko by these tests themselves — nothing of the
certificate/signing work is used."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.reports.test_issue_fixtures import closed, documents, file_bytes, gb, issue_card  # noqa: F401

PUBLIC_URL = "https://so.thcs-thu.edu.vn"


def _name(cn: str, org: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])


def _ca(cn: str) -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, "CA kiểm thử"))
        .issuer_name(_name(cn, "CA kiểm thử"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(ca_key: Any, ca_cert: x509.Certificate, cn: str, org: str) -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, org))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=10))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def _write(folder: Path, stem: str, key: Any, cert: x509.Certificate) -> tuple[str, str]:
    key_path, cert_path = folder / f"{stem}.key.pem", folder / f"{stem}.cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """A trusted CA (its PEM is what SODIENTU_TRUST_ROOTS names), a teacher and a seal it
    issued, a certificate marked THỬ NGHIỆM, and a stranger issued by an untrusted CA."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca_cert = _ca("CA Sở GD thử")
    other_key, other_cert = _ca("CA lạ")
    ns = SimpleNamespace(folder=folder)
    _, ns.ca_pem = _write(folder, "ca", ca_key, ca_cert)
    ns.teacher = _write(folder, "teacher", *_leaf(ca_key, ca_cert, "Hoàng Văn Chủ Nhiệm", "Trường THCS Thử"))
    ns.seal = _write(folder, "seal", *_leaf(ca_key, ca_cert, "Trường THCS Thử", "Trường THCS Thử"))
    ns.test_cert = _write(folder, "test", *_leaf(ca_key, ca_cert, "Ngô Văn Hiệu Trưởng", "THỬ NGHIỆM — Sổ điện tử"))
    ns.stranger = _write(folder, "stranger", *_leaf(other_key, other_cert, "Kẻ Giả Mạo", "Không rõ"))
    ns.chain = {"stranger": _write(folder, "other-ca", other_key, other_cert)[1]}
    return ns


def sign(data: bytes, who: tuple[str, str], ca_pem: str, field: str = "Sig1") -> bytes:
    """`data` signed by `who` (key, cert PEM paths) as a PAdES revision, invisible field."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = signers.SimpleSigner.load(who[0], who[1], ca_chain_files=(ca_pem,))
    assert signer is not None  # TOOLCHAIN.md: None on a bad key/cert
    meta = signers.PdfSignatureMetadata(
        field_name=field, subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    out = io.BytesIO()
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    signers.PdfSigner(meta, signer=signer).sign_pdf(writer, output=out)
    return out.getvalue()


def flip_byte(data: bytes, at: int | None = None) -> bytes:
    """One byte changed in the middle of the file (inside the signed range of any signature)."""
    i = len(data) // 3 if at is None else at
    return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1 :]


def replace_first_page(data: bytes) -> bytes:
    """The same PDF rewritten with a blank first page instead of the real one."""
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter()
    box = reader.pages[0].mediabox
    writer.add_blank_page(width=float(box.width), height=float(box.height))
    for page in reader.pages[1:]:
        writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture
def issued(app, closed, as_user):  # type: ignore[no-untyped-def]  # noqa: F811
    """One báo liên lạc issued by the GVCN: (ns with doc, data, the student's full name and snapshot)."""
    from tests.results.conftest import snapshots_of

    app.config["SODIENTU_PUBLIC_URL"] = PUBLIC_URL + "/"
    ns = closed
    sid = ns.ids[0]
    issue_card(as_user, ns.gvcn, ns.c10a1.id, sid)
    [ns.doc] = documents(app)
    ns.data = file_bytes(app, ns.doc.sha256)
    ns.snapshot = next(s for s in snapshots_of(app, ns.c10a1.id, "hk1") if s.student_id == sid)
    ns.full_name = ns.snapshot.data["student"]["full_name"]
    return ns


def upload(client: Any, code: str, data: bytes, name: str = "bao-lien-lac.pdf", **kw: Any) -> Any:
    return client.post(
        f"/verify/{code}", data={"pdf": (io.BytesIO(data), name)}, content_type="multipart/form-data", **kw
    )
