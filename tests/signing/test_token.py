# ruff: noqa: F811  (fixtures imported from tests/reports and tests/signing)
"""USB token (PKCS#11) certificates against SoftHSM2: registering one (read from the token,
checked), a GVCN signing with the token's PIN (the signature validates with pyHanko), a
wrong PIN or a missing library or token refused (422) with nothing signed, and the hiệu
trưởng's batch signing each document once with the token opened once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, file_bytes, gb  # noqa: F401
from tests.reports.test_issue_hoc_ba import year_closed  # noqa: F401
from tests.signing.conftest import PASSWORD, make_test_certs, signatures, upload
from tests.signing.test_batch import class_signed_by_gvcn  # noqa: F401

WRONG_PIN = "Mã PIN của USB token không đúng: chưa ký văn bản nào."


def validate_all(data: bytes, *ca_pems: Any) -> list[Any]:
    import io

    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    roots = [load_cert_from_pemder(str(p)) for p in ca_pems]
    reader = PdfFileReader(io.BytesIO(data))
    return [validate_pdf_signature(s, ValidationContext(trust_roots=roots)) for s in reader.embedded_signatures]


def token_post(client: Any, token: str, pin: str, key: str = "") -> Any:
    return client.post("/signing/certificates/token", data={"token_label": token, "pin": pin, "key_ref": key})


def active(app: Any, user_id: int) -> Any:
    from app.accounts.models import User
    from app.signing import queries

    with app.app_context():
        cert = queries.active_certificate(db.session.get(User, user_id))
        return None if cert is None else (cert.source, cert.token_label, cert.key_id, cert.fingerprint, cert.p12)


@pytest.fixture
def token_book(app, closed, as_user, tokens, tmp_path):  # type: ignore[no-untyped-def]
    """10A1's sổ theo dõi issued; make-test-certs' RSA certificates; the GVCN's key and
    certificate on GVCN-TOKEN (nothing registered yet); the seal and trust roots set."""
    from app.reports import queries, services
    from app.school.models import SchoolClass

    ns = closed
    folder, password = make_test_certs(app, tmp_path / "certs")
    ns.certs, ns.password = folder, password
    app.config.update(
        SODIENTU_SEAL_P12=str(folder / "seal.p12"), SODIENTU_SEAL_PASSWORD=password,
        SODIENTU_TRUST_ROOTS=str(folder / "ca.pem"), SODIENTU_PKCS11_MODULE=tokens.module,
    )  # fmt: skip
    tokens.put("GVCN-TOKEN", (folder / f"{ns.gvcn.username}.p12").read_bytes(), password, "Chu ky GVCN", "a1")

    def issue(actor: Any) -> int:
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        return services.issue(actor, services.book_draft_for(cls, queries.issuable_period(cls, "hk1"))).id

    ns.doc_id = as_user(ns.ht, issue)
    return ns


def test_a_gvcn_registers_the_token_certificate_and_signs_with_its_pin(app, token_book, login_as, tokens) -> None:  # type: ignore[no-untyped-def]
    ns = token_book
    gvcn = login_as(ns.gvcn)
    page = gvcn.get("/signing/certificates").get_data(as_text=True)
    assert "Chứng thư trên USB token" in page and 'id="token-form"' in page
    wrong = token_post(gvcn, "GVCN-TOKEN", "000000")
    assert wrong.status_code == 422 and WRONG_PIN in wrong.get_data(as_text=True)
    assert active(app, ns.gvcn.id) is None
    missing = token_post(gvcn, "KHONG-CO-TOKEN", tokens.pin)
    assert missing.status_code == 422
    assert "Không tìm thấy USB token “KHONG-CO-TOKEN”: hãy cắm token vào máy chủ" in missing.get_data(as_text=True)
    resp = token_post(gvcn, "GVCN-TOKEN", tokens.pin)
    assert resp.status_code == 303
    source, label, key_id, fingerprint, p12 = active(app, ns.gvcn.id)
    assert (source, label, key_id, p12) == ("pkcs11", "GVCN-TOKEN", "a1", None)  # no key material, no PIN
    page = gvcn.get("/signing/certificates").get_data(as_text=True)
    assert "USB token (PKCS#11): token “GVCN-TOKEN”" in page and ns.gvcn.full_name in page
    assert tokens.logged_out("GVCN-TOKEN")

    doc_page = gvcn.get(f"/signing/documents/{ns.doc_id}").get_data(as_text=True)
    assert "Mã PIN của USB token" in doc_page and "USB token “GVCN-TOKEN”" in doc_page
    bad = gvcn.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": "135790"})
    assert bad.status_code == 422 and WRONG_PIN in bad.get_data(as_text=True)
    empty = gvcn.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": ""})
    assert empty.status_code == 422 and "Hãy nhập mã PIN của USB token." in empty.get_data(as_text=True)
    assert signatures(app, ns.doc_id) == []
    ok = gvcn.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": tokens.pin})
    assert ok.status_code == 303
    [sig] = signatures(app, ns.doc_id)
    assert sig.step == "gvcn" and sig.signer_id == ns.gvcn.id and sig.is_test
    [status] = validate_all(file_bytes(app, sig.sha256), ns.certs / "ca.pem")
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    assert status.signing_cert.sha256.hex() == fingerprint
    assert tokens.logged_out("GVCN-TOKEN")  # the session was closed after the signature


def test_no_library_no_token_or_another_certificate_on_it_signs_nothing(app, token_book, login_as, tokens) -> None:  # type: ignore[no-untyped-def]
    from app.signing.models import SigningCertificate

    ns = token_book
    gvcn = login_as(ns.gvcn)
    assert token_post(gvcn, "GVCN-TOKEN", tokens.pin).status_code == 303

    def sign() -> tuple[int, str]:
        resp = gvcn.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": tokens.pin})
        return resp.status_code, resp.get_data(as_text=True)

    app.config["SODIENTU_PKCS11_MODULE"] = None
    status, text = sign()
    assert status == 422 and "Máy chủ chưa được cấu hình thư viện PKCS#11 của USB token" in text
    page = gvcn.get("/signing/certificates").get_data(as_text=True)
    assert 'id="token-not-configured"' in page and "do nhà cung cấp chứng thư số của trường cung cấp" in page
    app.config["SODIENTU_PKCS11_MODULE"] = "/khong/co/libpkcs11.so"
    status, text = sign()
    assert status == 422 and "Không tìm thấy thư viện PKCS#11 “/khong/co/libpkcs11.so”" in text
    app.config["SODIENTU_PKCS11_MODULE"] = tokens.module
    with app.app_context():  # the token unplugged: another label answers
        db.session.query(SigningCertificate).filter_by(token_label="GVCN-TOKEN").update({"token_label": "RUT-RA"})
        db.session.commit()
    status, text = sign()
    assert status == 422 and "Không tìm thấy USB token “RUT-RA”" in text
    with app.app_context():
        db.session.query(SigningCertificate).filter_by(token_label="RUT-RA").update({"token_label": "GVCN-TOKEN"})
        db.session.commit()
    tokens.empty("GVCN-TOKEN")  # the token now holds someone else's key and certificate
    tokens.put("GVCN-TOKEN", (ns.certs / f"{ns.ht.username}.p12").read_bytes(), ns.password, "Chu ky GVCN", "a1")
    status, text = sign()
    assert status == 422 and "không phải chứng thư đã đăng ký" in text
    assert signatures(app, ns.doc_id) == []
    assert tokens.logged_out("GVCN-TOKEN")


def test_registering_checks_the_token_certificate_like_an_upload(app, token_book, login_as, tokens, pki) -> None:  # type: ignore[no-untyped-def]
    from app.signing.services import pki as p

    ns = token_book
    gvcn = login_as(ns.gvcn)
    now = datetime.now(UTC)
    org = "Trường THPT Thử Nghiệm"

    def p12(**kw: Any) -> bytes:
        return p.to_p12(p.make_cert(pki.ca, "Thử Token", org, kind="ec", **kw), pki.ca, PASSWORD)

    def refused(expected: str, key: str = "") -> None:
        resp = token_post(gvcn, "SPARE-TOKEN", tokens.pin, key)
        assert resp.status_code == 422 and expected in resp.get_data(as_text=True), resp.get_data(as_text=True)
        assert active(app, ns.gvcn.id) is None
        assert tokens.logged_out("SPARE-TOKEN")

    refused("USB token “SPARE-TOKEN” không có khóa ký nào kèm chứng thư số.")
    tokens.put("SPARE-TOKEN", p12(not_before=now - timedelta(days=400), not_after=now - timedelta(days=1)),
               PASSWORD, "het-han", "01")  # fmt: skip
    refused("Chứng thư số đã hết hạn ngày")
    tokens.empty("SPARE-TOKEN")
    tokens.put("SPARE-TOKEN", p12(can_sign=False), PASSWORD, "khong-ky", "02")
    refused("không được phép dùng để ký (Key Usage)")
    tokens.empty("SPARE-TOKEN")
    tokens.put("SPARE-TOKEN", p12(), PASSWORD, "lech", "03", cert_of=p12())  # a key and someone else's certificate
    refused("Khóa bí mật trên USB token không khớp với chứng thư số trên token.")
    tokens.empty("SPARE-TOKEN")
    tokens.put("SPARE-TOKEN", p12(), PASSWORD, "khoa-mot", "04")
    tokens.put("SPARE-TOKEN", pki.gvcn, PASSWORD, "khoa-hai", "05")
    refused("có 2 khóa ký (khoa-hai, khoa-mot): hãy nhập nhãn hoặc ID của khóa cần dùng.")
    refused("không có khóa ký nào có nhãn hoặc ID “khoa-ba”", key="khoa-ba")
    assert token_post(gvcn, "SPARE-TOKEN", tokens.pin, "05").status_code == 303  # chosen by its ID
    assert active(app, ns.gvcn.id)[:3] == ("pkcs11", "SPARE-TOKEN", "05")
    assert token_post(gvcn, "SPARE-TOKEN", tokens.pin, "khoa-mot").status_code == 303  # by its label
    assert active(app, ns.gvcn.id)[:3] == ("pkcs11", "SPARE-TOKEN", "04")
    # a new PKCS#12 upload retires the token certificate (one active certificate)
    assert upload(gvcn, pki.gvcn).status_code == 303
    assert active(app, ns.gvcn.id)[0] == "p12"


def test_a_batch_with_the_token_signs_each_document_once(
    app, class_signed_by_gvcn, login_as, tokens, pki, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from app.signing import services
    from app.signing.services import token

    ns = class_signed_by_gvcn
    folder, password = make_test_certs(app, tmp_path / "ec", "--ec")
    tokens.put("HT-TOKEN", (folder / f"{ns.ht.username}.p12").read_bytes(), password, "Chu ky HT", "b2")
    app.config["SODIENTU_PKCS11_MODULE"] = tokens.module
    ht = login_as(ns.ht)
    assert token_post(ht, "HT-TOKEN", tokens.pin).status_code == 303  # replaces the HT's PKCS#12
    page = ht.get("/signing/documents").get_data(as_text=True)
    assert "Nhập mã PIN của USB token một lần" in page and "(3 văn bản) — mã PIN của USB token" in page
    wrong = ht.post(f"/signing/classes/{ns.c10a1.id}/batch", data={"password": "999999"})
    assert wrong.status_code == 422 and WRONG_PIN in wrong.get_data(as_text=True)
    assert all(len(signatures(app, d)) == 1 for d in ns.doc_ids)
    assert tokens.logged_out("HT-TOKEN")
    real, logins = token._login, []
    monkeypatch.setattr(token, "_login", lambda *a: logins.append(a) or real(*a))
    resp = ht.post(f"/signing/classes/{ns.c10a1.id}/batch", data={"password": tokens.pin})
    assert resp.status_code == 303
    services.batch.wait_idle(app)
    job_page = ht.get(resp.headers["Location"]).get_data(as_text=True)
    assert "3 / 3" in job_page and "Đã xong" in job_page
    for doc_id in ns.doc_ids:
        sigs = signatures(app, doc_id)
        assert Counter(s.step for s in sigs) == {"gvcn": 1, "hieu_truong": 1, "seal": 1}
        results = validate_all(file_bytes(app, sigs[-1].sha256), pki.ca_pem, folder / "ca.pem")
        assert len(results) == 3 and all(st.intact and st.valid and st.trusted for st in results)
        assert "EC" in results[1].signing_cert.public_key.algorithm.upper()  # the token's P-256 key
    assert logins == [("HT-TOKEN", tokens.pin)]  # the PIN typed once, one session for the 3 documents
    assert tokens.logged_out("HT-TOKEN")  # the run closed its session


def test_a_batch_that_never_starts_closes_the_token_session(
    app, class_signed_by_gvcn, as_user, tokens, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from app.school.models import SchoolClass
    from app.signing.services import batch

    ns = class_signed_by_gvcn
    folder, password = make_test_certs(app, tmp_path / "c")
    tokens.put("HT-TOKEN", (folder / f"{ns.ht.username}.p12").read_bytes(), password, "HT", "c3")
    app.config["SODIENTU_PKCS11_MODULE"] = tokens.module
    as_user(ns.ht, lambda a: batch.certificates.register_token(a, "HT-TOKEN", tokens.pin))

    def start_then_fail(a: Any) -> None:
        batch.start_job(a, db.session.get(SchoolClass, ns.c10a1.id), tokens.pin)
        assert not tokens.logged_out("HT-TOKEN")  # the run would hold it
        raise RuntimeError("the request failed before commit")

    with pytest.raises(RuntimeError):
        as_user(ns.ht, start_then_fail)
    assert tokens.logged_out("HT-TOKEN")
    assert all(len(signatures(app, d)) == 1 for d in ns.doc_ids)
