"""Signing fixtures: a test PKI made once per session (keys are slow), and 10A1's sổ theo
dõi of HK I issued, with the GVCN's and the hiệu trưởng's certificates registered and the
school seal configured."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, gb  # noqa: F401  (fixtures)

PASSWORD = "mật-khẩu-thử 123"


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    from app.signing.services import pki as p

    folder = tmp_path_factory.mktemp("pki")
    org = "Trường THPT Thử Nghiệm"
    ca = p.make_ca(org)
    (folder / "ca.pem").write_bytes(p.pem(ca.cert))
    now = datetime.now(UTC)

    def p12(cn: str, **kw: Any) -> bytes:
        return p.to_p12(p.make_cert(ca, cn, org, **kw), ca, PASSWORD)

    seal = folder / "seal.p12"
    seal.write_bytes(p12("Con dấu Trường THPT Thử Nghiệm", kind="ec"))
    return SimpleNamespace(
        ca=ca,
        ca_pem=folder / "ca.pem",
        seal=seal,
        gvcn=p12("Hoàng Văn Chủ Nhiệm"),
        ht=p12("Ngô Văn Hiệu Trưởng", kind="ec"),
        other=p12("Người Khác", kind="ec"),
        expired=p12("Hết Hạn", kind="ec", not_before=now - timedelta(days=400), not_after=now - timedelta(days=1)),
        future=p12("Chưa Hiệu Lực", kind="ec", not_before=now + timedelta(days=3), not_after=now + timedelta(days=300)),
        soon=p12("Sắp Hết Hạn", kind="ec", not_before=now - timedelta(days=100), not_after=now + timedelta(days=10)),
        no_sign=p.to_p12(p.make_cert(ca, "Không Ký", org, kind="ec", can_sign=False), ca, PASSWORD),
    )  # fmt: skip


def register(as_user: Any, user: Any, data: bytes, password: str = PASSWORD) -> int:
    from app.signing import services

    return int(as_user(user, lambda a: services.register(a, data, password).id))


def upload(client: Any, data: bytes, password: str = PASSWORD) -> Any:
    return client.post(
        "/signing/certificates",
        data={"password": password, "p12": (io.BytesIO(data), "chung-thu.p12")},
        content_type="multipart/form-data",
    )


@pytest.fixture
def book(app, closed, as_user, pki):  # type: ignore[no-untyped-def]  # noqa: F811
    """10A1's sổ theo dõi of HK I, issued by the hiệu trưởng; GVCN and HT certificates
    registered; the seal and the trust roots configured."""
    from app.reports import queries, services
    from app.school.models import SchoolClass

    ns = closed
    app.config.update(
        SODIENTU_SEAL_P12=str(pki.seal), SODIENTU_SEAL_PASSWORD=PASSWORD, SODIENTU_TRUST_ROOTS=str(pki.ca_pem)
    )

    def issue(actor: Any) -> int:
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        return services.issue(actor, services.book_draft_for(cls, queries.issuable_period(cls, "hk1"))).id

    ns.doc_id = as_user(ns.ht, issue)
    register(as_user, ns.gvcn, pki.gvcn)
    register(as_user, ns.ht, pki.ht)
    return ns


def signatures(app: Any, doc_id: int) -> list[Any]:
    from app.signing import queries

    with app.app_context():
        return [SimpleNamespace(step=s.step, sha256=s.sha256, signer_id=s.signer_id, is_test=s.is_test)
                for s in queries.signatures_of(doc_id)]  # fmt: skip


def validate(data: bytes, ca_pem: Path) -> list[Any]:
    """Every embedded signature validated against the test CA: (field, status)."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    root = load_cert_from_pemder(str(ca_pem))
    reader = PdfFileReader(io.BytesIO(data))
    return [
        (sig, validate_pdf_signature(sig, ValidationContext(trust_roots=[root]))) for sig in reader.embedded_signatures
    ]
