# ruff: noqa: F811  (fixtures imported from tests/signing/test_verify_fixtures.py)
"""POST /verify/<code> with a PDF: the exact issued file matches ("chưa có chữ ký số");
one byte changed or a page replaced fails with a plain Vietnamese explanation; a non-PDF
is a 422; CSRF is required. Signatures (PDFs signed here with pyHanko by a CA made in the
session fixture) are validated against SODIENTU_TRUST_ROOTS: intact, valid, trusted,
coverage, signer and time; a test certificate says so; tampering and untrusted signers fail."""

from __future__ import annotations

import io

import pytest

from app.signing import verification
from tests.signing.test_verify_fixtures import (  # noqa: F401
    closed,
    flip_byte,
    gb,
    issued,
    pki,
    replace_first_page,
    sign,
    upload,
)

MISMATCH = "KHÔNG KHỚP với bản đã phát hành"


@pytest.fixture
def trusted(app, pki):  # type: ignore[no-untyped-def]
    app.config["SODIENTU_TRUST_ROOTS"] = pki.ca_pem
    return pki


def _verify(app, doc_id: int, data: bytes, known: list[str] | None = None):  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.reports.models import IssuedDocument

    with app.test_request_context():
        return verification.verify_upload(db.session.get(IssuedDocument, doc_id), data, known)


def test_the_exact_issued_file_matches_and_says_it_is_not_signed(app, issued) -> None:
    response = upload(app.test_client(), issued.doc.code, issued.data)
    assert response.status_code == 200
    assert '<strong id="verdict-headline">KHỚP</strong>' in response.text
    assert "Tệp khớp với bản đã phát hành, chưa có chữ ký số." in response.text
    assert MISMATCH not in response.text and issued.doc.sha256 in response.text
    assert issued.full_name not in response.text


def test_one_byte_changed_fails(app, issued) -> None:
    response = upload(app.test_client(), issued.doc.code, flip_byte(issued.data))
    assert response.status_code == 200
    assert '<strong id="verdict-headline">KHÔNG HỢP LỆ</strong>' in response.text and MISMATCH in response.text
    assert "dù chỉ một byte" in response.text


def test_a_replaced_page_fails(app, issued) -> None:
    forged = replace_first_page(issued.data)
    assert forged.startswith(b"%PDF-")
    response = upload(app.test_client(), issued.doc.code, forged)
    assert '<strong id="verdict-headline">KHÔNG HỢP LỆ</strong>' in response.text and MISMATCH in response.text


def test_a_file_that_is_not_a_pdf_is_refused_with_422(app, issued) -> None:
    response = upload(app.test_client(), issued.doc.code, b"PK\x03\x04 not a pdf at all", name="x.pdf")
    assert response.status_code == 422
    assert "Tệp tải lên không phải là tệp PDF" in response.text
    empty = app.test_client().post(f"/verify/{issued.doc.code}", data={}, content_type="multipart/form-data")
    assert empty.status_code == 422 and "Hãy chọn tệp PDF cần kiểm tra" in empty.text


def test_an_upload_over_the_size_limit_is_refused_with_413(app, issued, monkeypatch) -> None:
    with app.app_context():
        assert verification.max_upload_bytes() == 15 * 1024 * 1024  # SODIENTU_VERIFY_MAX_MB's default
    # a limit below the file (an upload over 500 KB would sit in a temp file the test client leaves open)
    monkeypatch.setattr(verification, "max_upload_bytes", lambda: 40 * 1024)
    assert len(issued.data) > 40 * 1024
    response = upload(app.test_client(), issued.doc.code, issued.data)
    assert response.status_code == 413 and "Tệp quá lớn: tối đa 40 KB." in response.text


def test_an_upload_needs_the_csrf_token(app, issued) -> None:
    small = b"%PDF-1.4\n%%EOF\n"  # small: kept in memory (a refused request never reads its file)
    response = upload(app.test_client(), issued.doc.code, small, csrf=False)
    assert response.status_code == 400


def test_an_upload_to_an_unknown_code_is_a_404(app, issued) -> None:
    response = upload(app.test_client(), "ZZZZ-ZZZZ", issued.data)
    assert response.status_code == 404 and "Không tìm thấy" in response.text


def test_uploads_have_their_own_stricter_limit(app, issued) -> None:
    app.config["SODIENTU_VERIFY_UPLOAD_RATE"] = "2 per minute"
    client = app.test_client()
    codes = [upload(client, issued.doc.code, issued.data).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get(f"/verify/{issued.doc.code}").status_code == 200  # reading the page still works


# ---------------------------------------------------------------------------- signatures


def test_a_signed_revision_validates_intact_valid_trusted_and_covering(app, issued, trusted) -> None:
    signed = sign(issued.data, trusted.teacher, trusted.ca_pem)
    verdict = _verify(app, issued.doc.id, signed, known=[issued.doc.sha256, verification.sha256(signed)])
    assert verdict.matches and verdict.genuine and not verdict.test_certificate
    [check] = verdict.signatures
    assert (check.intact, check.valid, check.trusted, check.covers) == (True, True, True, True)
    assert check.signer == "Hoàng Văn Chủ Nhiệm" and check.signed_at != "—"
    assert verdict.headline == "HỢP LỆ"
    assert verdict.summary == "Tệp khớp với bản đã phát hành và mọi chữ ký số đều hợp lệ."


def test_the_person_then_the_seal_both_validate(app, issued, trusted) -> None:
    once = sign(issued.data, trusted.teacher, trusted.ca_pem, field="GVCN")
    twice = sign(once, trusted.seal, trusted.ca_pem, field="Seal")
    verdict = _verify(app, issued.doc.id, twice, known=[verification.sha256(twice)])
    assert [s.signer for s in verdict.signatures] == ["Hoàng Văn Chủ Nhiệm", "Trường THCS Thử"]
    assert all(s.ok for s in verdict.signatures) and verdict.genuine


def test_the_page_shows_each_signature_and_the_unknown_revision(app, issued, trusted) -> None:
    signed = sign(issued.data, trusted.teacher, trusted.ca_pem)
    page = upload(app.test_client(), issued.doc.code, signed).text
    # signed outside the app: the school has no record of this revision, the hash does not match
    assert MISMATCH in page
    assert "Hoàng Văn Chủ Nhiệm" in page and "hợp lệ (nguyên vẹn, đúng chứng thư" in page


def test_a_byte_changed_after_signing_breaks_the_signature(app, issued, trusted) -> None:
    signed = sign(issued.data, trusted.teacher, trusted.ca_pem)
    forged = flip_byte(signed, at=len(issued.data) // 2)
    verdict = _verify(app, issued.doc.id, forged, known=[verification.sha256(signed)])
    assert not verdict.matches and not verdict.genuine
    [check] = verdict.signatures
    assert not check.intact and not check.ok
    assert "nội dung đã bị sửa sau khi ký" in " ".join(check.problems)


def test_a_change_added_after_signing_is_flagged(app, issued, trusted) -> None:
    """The incremental-saving attack: a new revision appended after the signature."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    signed = sign(issued.data, trusted.teacher, trusted.ca_pem)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    page_ref = writer.root["/Pages"]["/Kids"].raw_get(0)
    page = page_ref.get_object()
    stream = generic.StreamObject(stream_data=b"BT /F1 40 Tf 100 400 Td (9,5) Tj ET")
    page["/Contents"] = writer.add_object(stream)
    writer.mark_update(page_ref)
    out = io.BytesIO()
    writer.write(out)
    forged = out.getvalue()
    verdict = _verify(app, issued.doc.id, forged, known=[verification.sha256(signed)])
    [check] = verdict.signatures
    assert check.intact and check.valid and check.trusted  # the signed bytes themselves are untouched
    assert not check.covers and not verdict.genuine
    assert "có nội dung được thêm hoặc sửa sau khi ký" in " ".join(check.problems)


def test_a_signer_outside_the_trust_roots_is_untrusted(app, issued, trusted) -> None:
    signed = sign(issued.data, trusted.stranger, trusted.chain["stranger"])
    verdict = _verify(app, issued.doc.id, signed, known=[verification.sha256(signed)])
    [check] = verdict.signatures
    assert check.intact and not check.trusted and not verdict.genuine
    assert "không thuộc tổ chức chứng thực mà nhà trường tin cậy" in " ".join(check.problems)


def test_no_trust_roots_configured_means_nothing_is_trusted(app, issued, pki) -> None:
    app.config["SODIENTU_TRUST_ROOTS"] = None
    signed = sign(issued.data, pki.teacher, pki.ca_pem)
    verdict = _verify(app, issued.doc.id, signed, known=[verification.sha256(signed)])
    assert not verdict.signatures[0].trusted and not verdict.genuine


def test_a_test_certificate_says_so_plainly(app, issued, trusted) -> None:
    signed = sign(issued.data, trusted.test_cert, trusted.ca_pem)
    verdict = _verify(app, issued.doc.id, signed, known=[verification.sha256(signed)])
    assert verdict.test_certificate and verdict.signatures[0].test_certificate
    page = upload(app.test_client(), issued.doc.code, signed).text
    assert "chứng thư thử nghiệm" in page and "không có giá trị pháp lý" in page
