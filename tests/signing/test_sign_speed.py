# ruff: noqa: F811  (fixtures imported from tests/signing/conftest.py)
"""What makes a signature cheap must not change what it is (docs/performance.md, Signing):
the stamp page parsed once per stamp text (pades._stamp_reader) and imported into every
signature's own writer; each signature still validates, with its own visible box."""

from __future__ import annotations

import dataclasses
import io
import threading
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader

from tests.reports.test_issue_fixtures import closed, gb  # noqa: F401  (fixtures)
from tests.signing.conftest import PASSWORD, book, validate  # noqa: F401

BOX = (300.0, 100.0, 460.0, 140.0)
TEXT = "Hiệu trưởng: Ngô Văn Hiệu Trưởng\nKý số lúc 02/12/2026 04:00"


def _pdf(title: str, pages: int = 2) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    for n in range(pages):
        canvas.drawString(72, 720, f"{title} — trang {n + 1}")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def _signer(pki: Any) -> Any:
    from app.signing.services import pades
    from app.signing.services import pki as p

    return pades.KeySigner(p.open_p12(pki.ht, PASSWORD))


def _sign(data: bytes, signer: Any, field: str = "ChuKy_HieuTruong") -> bytes:
    from app.signing.services import pades

    return pades.sign_pdf(
        data, signer, field_name=field, place=pades.Placement(2, BOX), text=TEXT, reason="Phê duyệt của hiệu trưởng"
    )


def _widget(data: bytes, field: str) -> Any:
    reader = PdfFileReader(io.BytesIO(data))
    for ref in reader.root["/AcroForm"]["/Fields"]:
        obj = ref.get_object()
        if obj["/T"] == field:
            return obj
    raise AssertionError(field)


def test_one_stamp_reader_serves_two_documents_and_each_signature_stands(pki: Any) -> None:
    from app.signing.services import pades

    pades._stamp_reader.cache_clear()
    signer = _signer(pki)
    first, second = _sign(_pdf("Học bạ A"), signer), _sign(_pdf("Học bạ B", pages=3), signer)
    info = pades._stamp_reader.cache_info()
    assert (info.misses, info.hits) == (1, 1)  # parsed once, reused for the second document
    for data in (first, second):
        [(sig, status)] = validate(data, pki.ca_pem)
        assert status.intact and status.valid and status.trusted
        assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
        widget = _widget(data, "ChuKy_HieuTruong")
        assert [float(x) for x in widget["/Rect"]] == list(BOX)  # the visible box, where asked
        appearance = widget["/AP"]["/N"]
        assert b"/Stamp Do" in appearance.data
        page = appearance["/Resources"]["/XObject"]["/Stamp"].get_object()  # the stamp page, imported
        assert "/Font" in page["/Resources"] and b"Tj" in page.data
    assert first[-2000:] != second[-2000:]  # no signature reused across documents


def test_the_cached_stamp_imports_on_several_threads_at_once(pki: Any) -> None:
    signer = _signer(pki)
    docs = [_pdf(f"Học bạ {n}") for n in range(4)]
    out: dict[int, bytes] = {}

    def work(n: int) -> None:
        out[n] = _sign(docs[n], signer)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(out) == [0, 1, 2, 3]
    for data in out.values():
        [(_, status)] = validate(data, pki.ca_pem)
        assert status.intact and status.valid and status.trusted


def test_the_cached_signer_info_parts_are_pyhankos_own(pki: Any) -> None:
    """KeySigner.signer_info reuses the sid and algorithm identifiers: the SignerInfo it
    builds is byte for byte pyHanko's, for two different signatures, RSA and EC."""
    from asn1crypto import cms
    from pyhanko.sign import signers

    from app.signing.services import pades
    from app.signing.services import pki as p

    for data in (pki.gvcn, pki.ht):  # RSA-2048, EC P-256
        signer = pades.KeySigner(p.open_p12(data, PASSWORD))
        attrs = cms.CMSAttributes([])
        for signature in (b"\x01" * 64, b"\x02" * 72):
            ours = signer.signer_info("sha256", attrs, signature)
            theirs = signers.SimpleSigner.signer_info(signer, "sha256", attrs, signature)
            assert ours.dump(force=True) == theirs.dump(force=True)
            assert ours["sid"].chosen["serial_number"].native == signer.signing_cert.serial_number
        assert list(signer._signer_info_parts) == ["sha256"]  # built once per digest
        parts = signer._signer_info_parts["sha256"]
        assert signer.signer_info("sha256", attrs, b"\x03")["sid"] is parts["sid"]


def _post_sign(client: Any, doc_id: int) -> Any:
    return client.post(f"/signing/documents/{doc_id}/sign", data={"password": PASSWORD})


def test_the_boxes_kept_at_issuing_are_the_redraws_and_signing_draws_nothing(
    app, book, login_as, pki, monkeypatch
) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    """Issuing keeps where the signatures go (IssuedDocument.signature_boxes); they are the
    boxes of a redraw of the issued file, and the three signatures then draw nothing."""
    from app.extensions import db
    from app.reports import pdf
    from app.reports.models import IssuedDocument
    from app.signing import queries
    from app.signing.services import boxes
    from tests.reports.test_issue_fixtures import file_bytes

    with app.app_context():
        doc = db.session.get(IssuedDocument, book.doc_id)
        kept = doc.signature_boxes
        redrawn = boxes.redraw(doc)
        assert redrawn.identical and kept == [dataclasses.asdict(b) for b in redrawn.boxes]
        assert {b["role"] for b in kept} == {"gvcn", "hieu_truong"}

    def no_drawing(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("signing drew the document again")

    monkeypatch.setattr(pdf, "render_with_boxes", no_drawing)
    boxes._CACHE.clear()
    for user in (book.gvcn, book.ht):  # the hiệu trưởng's signature, then the seal
        assert (
            login_as(user).post(f"/signing/documents/{book.doc_id}/sign", data={"password": PASSWORD}).status_code
            == 303
        )
    with app.app_context():
        sigs = queries.signatures_of(book.doc_id)
        assert [s.step for s in sigs] == ["gvcn", "hieu_truong", "seal"]
        final = file_bytes(app, sigs[-1].sha256)
    results = validate(final, pki.ca_pem)
    assert len(results) == 3 and all(s.intact and s.valid and s.trusted for _, s in results)
    gvcn = next(b for b in kept if b["role"] == "gvcn")
    rect = [round(float(v), 2) for v in results[0][0].sig_field["/Rect"]]
    assert rect == [round(gvcn[k], 2) for k in ("x1", "y1", "x2", "y2")]


def test_a_document_issued_before_the_boxes_were_kept_is_redrawn_once(app, book, login_as, pki) -> None:  # type: ignore[no-untyped-def]
    from app.extensions import db
    from app.reports.models import IssuedDocument
    from app.signing.services import boxes

    with app.app_context():
        doc = db.session.get(IssuedDocument, book.doc_id)
        kept = doc.signature_boxes
        doc.signature_boxes = None  # as a row from before migration 0019
        db.session.commit()
    boxes._CACHE.clear()
    assert (
        login_as(book.gvcn).post(f"/signing/documents/{book.doc_id}/sign", data={"password": PASSWORD}).status_code
        == 303
    )
    with app.app_context():
        doc = db.session.get(IssuedDocument, book.doc_id)
        assert [dataclasses.asdict(b) for b in boxes._CACHE[(doc.id, doc.sha256)].boxes] == kept


def _three_signatures(data: bytes, boxes: Any, pki: Any) -> list[bytes]:
    """The học bạ signed by the GVCN, the hiệu trưởng and the seal: each revision's bytes."""
    from app.reports.pdf import SIGNATURE_FIELDS, box_for
    from app.signing.services import pades
    from app.signing.services import pki as p

    revisions, current = [], data
    for step, name in SIGNATURE_FIELDS.items():
        key = pki.gvcn if step == "gvcn" else pki.ht if step == "hieu_truong" else pki.seal.read_bytes()
        place = box_for(boxes, step)
        assert place is not None
        current = pades.sign_pdf(
            current, pades.KeySigner(p.open_p12(key, PASSWORD)), field_name=name,
            place=pades.Placement(*place), text=f"{step}\nKý số", reason=step,
        )  # fmt: skip
        revisions.append(current)
    return revisions


def _hoc_ba() -> tuple[bytes, Any]:
    from app.core.models import utcnow
    from app.reports import documents, pdf
    from tests.reports.conftest import identity, two_years

    stamp = documents.Stamp(code="FLDS-2026", issued_at=utcnow(), issued_by="Test")
    return pdf.render_with_boxes(documents.hoc_ba(identity(), two_years()), stamp)


def test_signing_fills_the_fields_placed_at_issuing_and_rewrites_no_page(pki: Any) -> None:
    from pyhanko.sign import fields

    data, boxes = _hoc_ba()
    revisions = _three_signatures(data, boxes, pki)
    final = revisions[-1]
    found = list(fields.enumerate_sig_fields(PdfFileReader(io.BytesIO(final))))
    assert sorted(name for name, _, _ in found) == ["ChuKy_GVCN", "ChuKy_HieuTruong", "DauCuaTruong"]
    assert all(value is not None for _, value, _ in found)  # the same three, now filled: none added
    increments = [after[len(before) :] for before, after in zip([data, *revisions], revisions, strict=False)]
    assert not any(b"/Annots" in part or b"/Type /Page\n" in part for part in increments)
    results = validate(final, pki.ca_pem)
    assert len(results) == 3 and all(st.intact and st.valid and st.trusted for _, st in results)
    assert [st.modification_level.name for _, st in results] == ["FORM_FILLING", "FORM_FILLING", "NONE"]
    rects = {sig.field_name: [float(v) for v in sig.sig_field["/Rect"]] for sig, _ in results}
    gvcn = [b for b in boxes if b.role == "gvcn"][-1]
    assert rects["ChuKy_GVCN"] == [round(v, 3) for v in (gvcn.x1, gvcn.y1, gvcn.x2, gvcn.y2)]


def test_a_file_without_the_fields_gets_them_at_signing_under_the_same_captions(pki: Any) -> None:
    """A document issued before the fields were placed: each signature adds its field."""
    from pyhanko.sign import fields

    from app.reports.pdf import concat

    placed, boxes = _hoc_ba()
    data = concat.merge([placed])  # the same pages, without the fields (the print merge drops them)
    assert list(fields.enumerate_sig_fields(PdfFileReader(io.BytesIO(data)))) == []
    revisions = _three_signatures(data, boxes, pki)
    results = validate(revisions[-1], pki.ca_pem)
    assert [sig.field_name for sig, _ in results] == ["ChuKy_GVCN", "ChuKy_HieuTruong", "DauCuaTruong"]
    assert all(st.intact and st.valid and st.trusted for _, st in results)
    assert b"/Annots" in revisions[0][len(data) :]  # the page was given the new widget
