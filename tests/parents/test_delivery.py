# ruff: noqa: F811  (fixtures imported from tests/signing)
"""The family's PDF: the issued file byte for byte plus one incremental update with the
line "Cấp cho phụ huynh của <student> — <date>"; /verify recognises it ("bản cấp cho phụ
huynh") and still validates every signature; a copy with another annotation does not match."""

from __future__ import annotations

import io

from pypdf import PdfReader

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, file_bytes, gb  # noqa: F401
from tests.signing.conftest import PASSWORD, book, pki  # noqa: F401
from tests.signing.test_verify_fixtures import issued, upload  # noqa: F401

PARENT_COPY = "Bản cấp cho phụ huynh"


def _annotations(data: bytes) -> list[str]:
    page = PdfReader(io.BytesIO(data)).pages[0]
    return [str(a.get_object().get("/Contents")) for a in page.get("/Annots") or []]


def _copy(app, as_user, doc_id: int, line: str) -> bytes:  # type: ignore[no-untyped-def]
    from app.reports.models import IssuedDocument
    from app.signing.services import copies

    return as_user(None, lambda _a: copies.parent_copy(db.session.get(IssuedDocument, doc_id), line))


def test_an_unsigned_bao_lien_lac_copy_is_the_issued_file_plus_the_line_and_verifies(app, issued, as_user) -> None:
    from app.signing.services import copies

    ns = issued
    line = copies.parent_line(ns.full_name, "02/12/2026")
    data = _copy(app, as_user, ns.doc.id, line)
    assert data.startswith(ns.data) and len(data) > len(ns.data)
    assert _annotations(data) == [f"Cấp cho phụ huynh của {ns.full_name} — 02/12/2026"]
    assert _copy(app, as_user, ns.doc.id, line) == data  # the same day: the stored copy, not a new one
    page = upload(app.test_client(), ns.doc.code, data).text
    assert '<strong id="verdict-headline">KHỚP</strong>' in page and PARENT_COPY in page
    assert "chưa có chữ ký số" in page and "KHÔNG KHỚP" not in page
    # an annotation nobody issued (e.g. a score written over the sheet) does not match
    forged = copies.with_line(ns.data, "Điểm Toán: 10")
    page = upload(app.test_client(), ns.doc.code, forged).text
    assert "KHÔNG KHỚP với bản đã phát hành" in page and PARENT_COPY not in page


def test_a_signed_document_copy_keeps_every_signature_valid(app, book, login_as, as_user, pki) -> None:
    from app.reports.models import IssuedDocument
    from app.signing import queries, verification
    from app.signing.services import copies

    ns = book
    client = login_as(ns.gvcn)
    assert client.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": PASSWORD}).status_code == 303
    with app.app_context():
        signed_sha = queries.signatures_of(ns.doc_id)[-1].sha256
        code = db.session.get(IssuedDocument, ns.doc_id).code
    signed = file_bytes(app, signed_sha)
    data = _copy(app, as_user, ns.doc_id, copies.parent_line("Nguyễn Văn Thử", "02/12/2026"))
    assert data.startswith(signed)
    with app.test_request_context():
        verdict = verification.verify_upload(db.session.get(IssuedDocument, ns.doc_id), data)
    assert verdict.parent_copy and verdict.matches and verdict.signed and verdict.genuine
    assert all(s.intact and s.valid and s.trusted and s.covers for s in verdict.signatures)
    page = upload(app.test_client(), code, data).text
    assert '<strong id="verdict-headline">HỢP LỆ</strong>' in page and PARENT_COPY in page
    assert "mọi chữ ký số đều hợp lệ" in page
    # the same annotation on a copy the school never delivered: the signature's coverage fails
    with app.test_request_context():
        stray = verification.verify_upload(
            db.session.get(IssuedDocument, ns.doc_id), copies.with_line(signed, "Cấp cho phụ huynh của Ai Đó")
        )
    assert not stray.matches and not stray.genuine and not stray.parent_copy
