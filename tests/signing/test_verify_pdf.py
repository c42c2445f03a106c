# ruff: noqa: F811  (fixtures imported from tests/signing/test_verify_fixtures.py)
"""The QR code and the metadata every issued PDF carries: the QR encodes
<SODIENTU_PUBLIC_URL>/verify/<code> (the widget's value, and the symbol actually printed on
the page — read back from a pdftoppm rendering module by module, there is no zbar here);
the URL is printed in the footer; the metadata names the audit chain head at issuing time."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from app.extensions import db
from app.reports.documents import Stamp
from app.reports.pdf import common
from tests.reports.test_issue_fixtures import pdf_text
from tests.signing.test_verify_fixtures import PUBLIC_URL, closed, gb, issued  # noqa: F401

DPI = 400


def test_the_qr_widget_carries_the_verify_url_and_a_full_symbol() -> None:
    url = "https://so.thcs-thu.edu.vn/verify/7KQ4-M2XD"
    widget = common.qr_widget(url)
    assert widget.value == url
    count, runs = common.qr_runs(widget)
    assert count in (29, 33) and count == len(widget.qr.modules)  # version 3–4 for a 43-char URL at level M
    # the three finder patterns: 7 dark modules in rows 0 and 6, left and right
    assert (0, 0, 7) in runs and (6, 0, 7) in runs and (0, count - 7, 7) in runs
    assert widget.qr.getBestMaskPattern() == common.QR_MASK


def _printed_modules(data: bytes, count: int, tmp: Path) -> list[list[bool]]:
    """The QR symbol as printed on page 1: the page rendered in grey at DPI, the QR square
    cut where the footer draws it, each module read at its centre."""
    (tmp / "doc.pdf").write_bytes(data)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(DPI),
            "-gray",
            "-png",
            "-singlefile",
            "-f",
            "1",
            "-l",
            "1",
            tmp / "doc.pdf",
            tmp / "page",
        ],
        check=True,
    )
    image = Image.open(tmp / "page.png").convert("L")
    scale = DPI / 72
    width_pt = image.width / scale
    left = (width_pt - common.MARGIN - common.QR_SIZE) * scale
    bottom_from_top = image.height - common.QR_Y * scale
    side = common.QR_SIZE * scale
    box = side / (count + 2 * common.QR_BORDER)
    top = bottom_from_top - side
    return [
        [
            image.getpixel(
                (int(left + (c + common.QR_BORDER + 0.5) * box), int(top + (r + common.QR_BORDER + 0.5) * box))
            )
            < 128
            for c in range(count)
        ]
        for r in range(count)
    ]


def test_the_printed_qr_is_the_symbol_of_the_verify_url(app, tmp_path) -> None:
    url = "https://so.thcs-thu.edu.vn/verify/7KQ4-M2XD"
    from app.reports import documents
    from app.reports.pdf import render
    from tests.reports.conftest import STAMP_AT, term_payload

    with app.app_context():
        card = documents.report_card(term_payload())
        data = render(card, Stamp("7KQ4-M2XD", STAMP_AT, "Trần Thị Hồng Nhung", verify_url=url))
    widget = common.qr_widget(url)
    count, _ = common.qr_runs(widget)
    expected = [[bool(m) for m in row] for row in widget.qr.modules]
    assert _printed_modules(data, count, tmp_path) == expected
    other = common.qr_widget(url.replace("M2XD", "M2XE"))
    common.qr_runs(other)
    assert _printed_modules(data, count, tmp_path) != [[bool(m) for m in row] for row in other.qr.modules]


def test_an_issued_report_card_prints_its_verify_url_and_the_audit_head_in_its_metadata(app, issued) -> None:
    from app.audit.models import AuditEvent

    ns = issued
    url = f"{PUBLIC_URL}/verify/{ns.doc.code}"
    text = " ".join(pdf_text(ns.data).split())
    assert url in text and f"Mã xác thực: {ns.doc.code}" in text
    info = PdfReader(io.BytesIO(ns.data)).metadata
    assert info.subject == f"Mã xác thực {ns.doc.code}"
    keys = dict(part.split("=", 1) for part in info["/Keywords"].split("; "))
    assert keys["sodientu-code"] == ns.doc.code and keys["verify"] == url
    seq, head_hash = int(keys["audit-seq"]), keys["audit-hash"]
    with app.app_context():
        row = db.session.execute(select(AuditEvent.hash, AuditEvent.ts).where(AuditEvent.seq == seq)).one()
        issued_seq = db.session.scalar(
            select(AuditEvent.seq).where(AuditEvent.action == "report.issued", AuditEvent.subject_id == str(ns.doc.id))
        )
    # the head when the document was drawn: a real row of the chain, the one just before its own event
    assert row[0] == head_hash and seq == issued_seq - 1
