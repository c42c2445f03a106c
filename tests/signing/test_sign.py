# ruff: noqa: F811  (fixtures imported from tests/signing/conftest.py)
"""Signing a sổ theo dõi: GVCN → hiệu trưởng → the school seal, each an incremental PAdES
revision validated by pyHanko against the test CA; order enforced, nobody twice; wrong
password or an expired certificate: a Vietnamese refusal and nothing signed; scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pyhanko.sign.validation.status import SignatureCoverageLevel
from sqlalchemy import select

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, fetch, file_bytes, gb  # noqa: F401
from tests.signing.conftest import PASSWORD, book, signatures, validate  # noqa: F401


def _sign(client, doc_id: int, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(f"/signing/documents/{doc_id}/sign", data={"password": password})


def _events(app, action: str) -> list:  # type: ignore[no-untyped-def,type-arg]
    from app.audit.models import AuditEvent

    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_gvcn_then_hieu_truong_then_the_seal_each_validates(app, book, login_as, pki) -> None:  # type: ignore[no-untyped-def]
    ns = book
    gvcn, ht = login_as(ns.gvcn), login_as(ns.ht)
    assert "Sổ theo dõi" in gvcn.get("/signing/documents").get_data(as_text=True)
    assert "Không có văn bản nào chờ bạn ký." in ht.get("/signing/documents").get_data(as_text=True)
    assert _sign(gvcn, ns.doc_id).status_code == 303
    assert ht.get("/signing/documents").get_data(as_text=True).count(f"/signing/documents/{ns.doc_id}") == 1
    assert _sign(ht, ns.doc_id).status_code == 303  # the hiệu trưởng's signature, then the seal
    sigs = signatures(app, ns.doc_id)
    assert [s.step for s in sigs] == ["gvcn", "hieu_truong", "seal"]
    assert [s.signer_id for s in sigs] == [ns.gvcn.id, ns.ht.id, None] and all(s.is_test for s in sigs)
    final = file_bytes(app, sigs[-1].sha256)
    results = validate(final, pki.ca_pem)
    assert [sig.field_name for sig, _ in results] == ["ChuKy_GVCN", "ChuKy_HieuTruong", "DauCuaTruong"]
    for sig, status in results:
        assert status.intact and status.valid and status.trusted, sig.field_name
        assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    revision, whole = SignatureCoverageLevel.ENTIRE_REVISION, SignatureCoverageLevel.ENTIRE_FILE
    assert [s.coverage for _, s in results] == [revision, revision, whole]
    names = [s.signing_cert.subject.native["common_name"] for _, s in results]
    assert names == ["Hoàng Văn Chủ Nhiệm", "Ngô Văn Hiệu Trưởng", "Con dấu Trường THPT Thử Nghiệm"]
    # each revision extends the previous bytes (incremental), the first extends the issued file
    issued = file_bytes(app, _doc(app, ns.doc_id).sha256)
    revisions = [file_bytes(app, s.sha256) for s in sigs]
    assert revisions[0].startswith(issued) and revisions[1].startswith(revisions[0]) and final.startswith(revisions[1])
    assert len(_events(app, "signing.signed")) == 2 and len(_events(app, "signing.sealed")) == 1
    page = ht.get(f"/signing/documents/{ns.doc_id}").get_data(as_text=True)
    assert "Văn bản đã được ký và đóng dấu đủ." in page
    again = _sign(ht, ns.doc_id)
    assert again.status_code == 409 and "đã được ký và đóng dấu đủ" in again.get_data(as_text=True)
    download = fetch(ht, f"/signing/documents/{ns.doc_id}/pdf")
    assert download.status_code == 200 and download.data == final


def _doc(app, doc_id: int):  # type: ignore[no-untyped-def]
    from app.reports.models import IssuedDocument

    with app.app_context():
        doc = db.session.get(IssuedDocument, doc_id)
        db.session.expunge(doc)
        return doc


def test_the_boxes_are_the_captions_boxes_of_the_issued_pages(app, book, login_as) -> None:  # type: ignore[no-untyped-def]
    from app.signing.services import boxes

    ns = book
    _sign(login_as(ns.gvcn), ns.doc_id)
    with app.app_context():
        from app.reports.models import IssuedDocument
        from app.signing import queries

        doc = db.session.get(IssuedDocument, ns.doc_id)
        redrawn = boxes.redraw(doc)
        assert redrawn.identical  # the redraw is the issued file, byte for byte
        (gvcn_box,) = [b for b in redrawn.boxes if b.role == "gvcn"]
        data = file_bytes(app, queries.signatures_of(doc.id)[0].sha256)
    from io import BytesIO

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(BytesIO(data))
    (sig,) = reader.embedded_signatures
    rect = [float(v) for v in sig.sig_field["/Rect"]]
    assert [round(v, 2) for v in rect] == [round(v, 2) for v in (gvcn_box.x1, gvcn_box.y1, gvcn_box.x2, gvcn_box.y2)]
    pages = [
        i + 1
        for i in range(len(reader.root["/Pages"]["/Kids"]))
        for annot in reader.root["/Pages"]["/Kids"][i].get_object().get("/Annots", [])
        if annot.get_object().get("/T") == "ChuKy_GVCN"
    ]
    assert pages == [gvcn_box.page]


def test_nobody_signs_out_of_order_or_twice(app, book, login_as) -> None:  # type: ignore[no-untyped-def]
    ns = book
    gvcn, ht = login_as(ns.gvcn), login_as(ns.ht)
    early = _sign(ht, ns.doc_id)
    assert early.status_code == 409 and "Chưa đến lượt bạn" in early.get_data(as_text=True)
    assert "giáo viên chủ nhiệm ký" in early.get_data(as_text=True)
    seal_first = ht.post(f"/signing/documents/{ns.doc_id}/seal")
    assert seal_first.status_code == 409 and "Chưa đến lượt bạn" in seal_first.get_data(as_text=True)
    assert signatures(app, ns.doc_id) == []
    assert _sign(gvcn, ns.doc_id).status_code == 303
    twice = _sign(gvcn, ns.doc_id)
    assert twice.status_code == 409 and "Bạn đã ký văn bản" in twice.get_data(as_text=True)
    assert [s.step for s in signatures(app, ns.doc_id)] == ["gvcn"]


def test_wrong_password_says_so_and_signs_nothing(app, book, login_as) -> None:  # type: ignore[no-untyped-def]
    ns = book
    resp = _sign(login_as(ns.gvcn), ns.doc_id, "không đúng")
    assert resp.status_code == 422 and "Mật khẩu chứng thư số không đúng." in resp.get_data(as_text=True)
    assert signatures(app, ns.doc_id) == [] and _events(app, "signing.signed") == []
    empty = _sign(login_as(ns.gvcn), ns.doc_id, "")
    assert empty.status_code == 422 and "Hãy nhập mật khẩu của chứng thư số." in empty.get_data(as_text=True)


def test_an_expired_certificate_is_refused_at_signing(app, book, as_user, login_as, pki) -> None:  # type: ignore[no-untyped-def]
    from app.signing.models import SigningCertificate

    ns = book

    def expire(actor) -> None:  # type: ignore[no-untyped-def]
        # a certificate registered while valid that has since expired (the row's facts; the
        # PKCS#12 itself is checked again at signing: swap in an expired one)
        cert = db.session.scalars(select(SigningCertificate).where(SigningCertificate.owner_id == actor.id)).one()
        cert.p12 = pki.expired
        cert.not_after = datetime.now(UTC) - timedelta(days=1)

    as_user(ns.gvcn, expire)
    resp = _sign(login_as(ns.gvcn), ns.doc_id)
    assert resp.status_code == 422 and "Chứng thư số đã hết hạn ngày" in resp.get_data(as_text=True)
    assert signatures(app, ns.doc_id) == []


def test_no_certificate_no_signature(app, closed, as_user, login_as, pki) -> None:  # type: ignore[no-untyped-def]
    from app.reports import queries, services
    from app.school.models import SchoolClass

    ns = closed

    def issue(actor):  # type: ignore[no-untyped-def]
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        return services.issue(actor, services.book_draft_for(cls, queries.issuable_period(cls, "hk1"))).id

    doc_id = as_user(ns.ht, issue)
    resp = _sign(login_as(ns.gvcn), doc_id)
    assert resp.status_code == 422 and "Bạn chưa đăng ký chứng thư số" in resp.get_data(as_text=True)


def test_scope_and_roles(app, book, login_as, pki) -> None:  # type: ignore[no-untyped-def]
    ns = book
    for outsider in (ns.t1, ns.t2, ns.tt_toan):  # not 10A1's GVCN, not BGH: the document does not exist
        client = login_as(outsider)
        assert client.get(f"/signing/documents/{ns.doc_id}").status_code == 404
        assert _sign(client, ns.doc_id).status_code == 404
        assert fetch(client, f"/signing/documents/{ns.doc_id}/pdf").status_code == 404
        assert f"/signing/documents/{ns.doc_id}" not in client.get("/signing/documents").get_data(as_text=True)
    admin = login_as(ns.admin)
    assert admin.get(f"/signing/documents/{ns.doc_id}").status_code == 403
    assert _sign(admin, ns.doc_id).status_code == 403
    assert login_as(ns.gvcn).post(f"/signing/documents/{ns.doc_id}/seal").status_code == 403  # BGH only
    assert login_as(ns.gvcn).get("/signing/documents/999999").status_code == 404
    assert signatures(app, ns.doc_id) == []


def test_only_the_bgh_signs_as_hieu_truong(app, book, login_as) -> None:  # type: ignore[no-untyped-def]
    from app.accounts.models import User
    from app.signing import policy

    ns = book
    gvcn = login_as(ns.gvcn)
    assert _sign(gvcn, ns.doc_id).status_code == 303
    resp = _sign(gvcn, ns.doc_id)  # the next step is the hiệu trưởng's
    assert resp.status_code == 409 and "Bạn đã ký văn bản" in resp.get_data(as_text=True)
    assert [s.step for s in signatures(app, ns.doc_id)] == ["gvcn"]
    with app.app_context():
        teacher, principal = db.session.get(User, ns.gvcn.id), db.session.get(User, ns.ht.id)
        homeroom = ns.gvcn.id
        assert policy.can_sign_step(teacher, "gvcn", homeroom) and not policy.can_sign_step(
            teacher, "hieu_truong", homeroom
        )
        assert not policy.can_sign_step(teacher, "seal", homeroom)
        assert policy.can_sign_step(principal, "hieu_truong", homeroom) and not policy.can_sign_step(
            principal, "gvcn", homeroom
        )


def test_without_a_seal_configured_the_bgh_seals_later(app, book, login_as) -> None:  # type: ignore[no-untyped-def]
    ns = book
    seal_path = app.config["SODIENTU_SEAL_P12"]
    app.config["SODIENTU_SEAL_P12"] = None
    _sign(login_as(ns.gvcn), ns.doc_id)
    ht = login_as(ns.ht)
    assert _sign(ht, ns.doc_id).status_code == 303
    assert [s.step for s in signatures(app, ns.doc_id)] == ["gvcn", "hieu_truong"]
    refused = ht.post(f"/signing/documents/{ns.doc_id}/seal")
    assert refused.status_code == 422 and "Chưa cấu hình con dấu số của trường" in refused.get_data(as_text=True)
    app.config["SODIENTU_SEAL_P12"] = seal_path
    assert ht.post(f"/signing/documents/{ns.doc_id}/seal").status_code == 303
    assert [s.step for s in signatures(app, ns.doc_id)] == ["gvcn", "hieu_truong", "seal"]


def test_a_superseded_document_is_not_signed(app, book, as_user, login_as) -> None:  # type: ignore[no-untyped-def]
    from app.reports.models import IssuedDocument

    ns = book

    def supersede(_actor) -> None:  # type: ignore[no-untyped-def]
        db.session.get(IssuedDocument, ns.doc_id).status = "superseded"

    as_user(ns.ht, supersede)
    resp = _sign(login_as(ns.gvcn), ns.doc_id)
    assert resp.status_code == 409 and "đã được thay thế bằng bản mới" in resp.get_data(as_text=True)
    assert signatures(app, ns.doc_id) == []
    assert "Không có văn bản nào chờ bạn ký." in login_as(ns.gvcn).get("/signing/documents").get_data(as_text=True)


def test_every_signed_revision_is_recognised_on_the_public_verify_page(app, book, login_as, pki) -> None:  # type: ignore[no-untyped-def]
    """/verify/<code> knows the revisions the app signed: the final file matches ("HỢP LỆ"),
    each of the three signatures is listed as valid; a byte changed in it does not match."""
    ns = book
    _sign(login_as(ns.gvcn), ns.doc_id)
    _sign(login_as(ns.ht), ns.doc_id)
    sigs = signatures(app, ns.doc_id)
    final, code = file_bytes(app, sigs[-1].sha256), _doc(app, ns.doc_id).code
    public = app.test_client()

    def upload(data: bytes) -> str:
        import io

        sent = {"pdf": (io.BytesIO(data), "hoc-ba.pdf")}
        return public.post(f"/verify/{code}", data=sent, content_type="multipart/form-data").get_data(as_text=True)

    page = upload(final)
    assert '<strong id="verdict-headline">HỢP LỆ</strong>' in page
    for name in ("Hoàng Văn Chủ Nhiệm", "Ngô Văn Hiệu Trưởng", "Con dấu Trường THPT Thử Nghiệm"):
        assert name in page
    assert "chứng thư thử nghiệm" in page.lower()
    middle = upload(file_bytes(app, sigs[0].sha256))  # the GVCN's revision: also handed out by the school
    assert "KHÔNG KHỚP với bản đã phát hành" not in middle
    tampered = bytearray(final)
    tampered[len(tampered) // 2] ^= 0x01
    assert "KHÔNG HỢP LỆ" in upload(bytes(tampered))
