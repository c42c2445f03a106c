"""A trusted timestamp (PAdES B-T) when SODIENTU_TSA_URL is set: the signature carries a
timestamp token from the configured server (here a local RFC 3161 server answering with
pyHanko's DummyTimeStamper), and the validator sees it; an unreachable server refuses."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from asn1crypto import tsp
from pyhanko.sign.timestamps import DummyTimeStamper
from reportlab.pdfgen.canvas import Canvas

from app.signing.services import pades
from app.signing.services import pki as p
from tests.signing.conftest import PASSWORD


def _pdf() -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf)
    c.drawString(100, 700, "Học bạ")
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture
def tsa(pki):  # type: ignore[no-untyped-def]
    from app.signing.services.pades import _asn1

    ca = pki.ca
    issued = make_tsa(ca)
    dummy = DummyTimeStamper(
        tsa_cert=_asn1(issued.cert), tsa_key=_key_info(issued.key), certs_to_embed=[_asn1(ca.cert)]
    )

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            answer = dummy.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def make_tsa(ca: Any) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    item = p.make_cert(ca, "TSA thử nghiệm", "Trường THPT Thử Nghiệm")  # DummyTimeStamper is RSA-only
    # a TSA certificate needs the critical timeStamping EKU: rebuild with it
    builder = (
        x509.CertificateBuilder()
        .subject_name(item.cert.subject)
        .issuer_name(ca.cert.subject)
        .public_key(item.key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(item.cert.not_valid_before_utc)
        .not_valid_after(item.cert.not_valid_after_utc)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    )
    from cryptography.hazmat.primitives import hashes

    return p.Issued(item.key, builder.sign(ca.key, hashes.SHA256()))


def _key_info(key: Any) -> Any:
    from asn1crypto import keys
    from cryptography.hazmat.primitives import serialization

    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return keys.PrivateKeyInfo.load(der)


def test_a_signature_carries_the_tsa_timestamp(pki, tsa) -> None:  # type: ignore[no-untyped-def]
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    signer = pades.KeySigner(p.open_p12(pki.gvcn, PASSWORD))
    data = pades.sign_pdf(_pdf(), signer, field_name="A", place=None, text="x", reason="r", tsa_url=tsa)
    (sig,) = PdfFileReader(io.BytesIO(data)).embedded_signatures
    root = load_cert_from_pemder(str(pki.ca_pem))
    status = validate_pdf_signature(sig, ValidationContext(trust_roots=[root]))
    assert status.intact and status.valid and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    assert abs((status.timestamp_validity.timestamp - datetime.now(UTC)).total_seconds()) < 120


def test_an_unreachable_tsa_is_a_refusal(pki) -> None:  # type: ignore[no-untyped-def]
    signer = pades.KeySigner(p.open_p12(pki.gvcn, PASSWORD))
    with pytest.raises(p.CertificateError) as info:
        pades.sign_pdf(_pdf(), signer, field_name="A", place=None, text="x", reason="r", tsa_url="http://127.0.0.1:9/")
    assert "Không lấy được dấu thời gian" in info.value.message
