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


# ---------------------------------------------------------------------------- SoftHSM2

#: where Debian's softhsm2 puts its PKCS#11 module (SOFTHSM2_MODULE overrides)
SOFTHSM_MODULES = ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so")
TOKEN_PIN = "246810"
SO_PIN = "12345678"
#: the throwaway tokens, made empty once per session (a PKCS#11 library sees only the tokens
#: that existed when it was initialised: once per process); each test fills and empties them
TOKENS = ("GVCN-TOKEN", "HT-TOKEN", "SPARE-TOKEN")


def _softhsm_module() -> str:
    import os
    import shutil

    candidates = [os.environ.get("SOFTHSM2_MODULE", ""), *SOFTHSM_MODULES]
    module = next((m for m in candidates if m and Path(m).is_file()), None)
    if module is None or shutil.which("softhsm2-util") is None:
        pytest.fail(
            "SoftHSM2 is missing: the USB token (PKCS#11) tests need the Debian package softhsm2 "
            "(`apt-get install softhsm2`; `make test` installs it with the other system packages)."
        )
    return module


_SOFTHSM: list[SimpleNamespace] = []


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Throwaway SoftHSM2 tokens (SOFTHSM2_CONF pointing into a temp dir) and helpers to put a
    key + certificate on one (softhsm2-util --import for the key, python-pkcs11 for the
    certificates) and to empty it again. Made once per process, also when another module
    (tests/e2e) imports this fixture: the library reads SOFTHSM2_CONF and lists its tokens
    only when it is first loaded."""
    if not _SOFTHSM:
        _SOFTHSM.append(_make_softhsm(tmp_path_factory))
    return _SOFTHSM[0]


def _make_softhsm(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    import os
    import subprocess

    import pkcs11
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12
    from pkcs11 import Attribute, CertificateType, ObjectClass

    module = _softhsm_module()
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    conf = folder / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
        "slots.removable = false\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)  # for the rest of the process (see above)
    for label in TOKENS:
        subprocess.run(
            ["softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", SO_PIN, "--pin", TOKEN_PIN],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
    lib = pkcs11.lib(module)

    def put(token: str, p12: bytes, password: str, label: str, key_id: str, *, cert_of: bytes | None = None) -> None:
        """The PKCS#12's key (softhsm2-util --import) and its certificate and CA (python-pkcs11)
        onto `token`; `cert_of`: another PKCS#12 whose certificate goes with the key instead."""
        key, cert, extra = pkcs12.load_key_and_certificates(p12, password.encode())
        assert key is not None and cert is not None
        pem = folder / f"{token}-{key_id}.pem"
        pem.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        subprocess.run(
            ["softhsm2-util", "--import", str(pem), "--token", token, "--label", label, "--id", key_id,
             "--pin", TOKEN_PIN],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        pem.unlink()
        if cert_of is not None:
            _, cert, extra = pkcs12.load_key_and_certificates(cert_of, password.encode())
            assert cert is not None
        with lib.get_token(token_label=token).open(rw=True, user_pin=TOKEN_PIN) as session:
            for n, c in enumerate([cert, *(extra or [])]):
                session.create_object({
                    Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                    Attribute.TOKEN: True, Attribute.LABEL: label if n == 0 else f"CA {n}",
                    Attribute.ID: bytes.fromhex(key_id) if n == 0 else bytes([0xCA, n]),
                    Attribute.VALUE: c.public_bytes(serialization.Encoding.DER),
                    Attribute.SUBJECT: c.subject.public_bytes(), Attribute.ISSUER: c.issuer.public_bytes(),
                })  # fmt: skip

    def empty(token: str) -> None:
        with lib.get_token(token_label=token).open(rw=True, user_pin=TOKEN_PIN) as session:
            for obj in list(session.get_objects()):
                obj.destroy()

    def logged_out(token: str) -> bool:
        """True when no session of this process is still logged in to `token` (a login
        would otherwise answer UserAlreadyLoggedIn)."""
        try:
            lib.get_token(token_label=token).open(user_pin=TOKEN_PIN).close()
        except pkcs11.exceptions.UserAlreadyLoggedIn:
            return False
        return True

    return SimpleNamespace(module=module, pin=TOKEN_PIN, put=put, empty=empty, logged_out=logged_out)


@pytest.fixture
def tokens(softhsm: Any) -> Any:
    """The session's tokens, emptied after the test."""
    yield softhsm
    for label in TOKENS:
        softhsm.empty(label)


def make_test_certs(app: Any, folder: Path, *args: str) -> tuple[Path, str]:
    """`flask signing make-test-certs --dir folder`: the folder and the printed password."""
    result = app.test_cli_runner().invoke(args=["signing", "make-test-certs", "--dir", str(folder), *args])
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("Mật khẩu của mọi tệp .p12: "))
    return folder, line.split(": ", 1)[1].strip()
