# ruff: noqa: F811  (fixtures imported from tests/signing/conftest.py)
"""Registering one's own certificate: checked at upload (password, key, validity, key
usage), a clear Vietnamese refusal and nothing stored on failure; the password is never
stored; expiry shown 30 days ahead to the owner and the BGH; make-test-certs."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from tests.reports.test_issue_fixtures import closed  # noqa: F401
from tests.signing.conftest import PASSWORD, register, upload


def _count(app) -> int:  # type: ignore[no-untyped-def]
    from app.signing.models import SigningCertificate

    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(SigningCertificate)) or 0)


def test_a_gvcn_registers_their_certificate_and_the_password_is_not_kept(app, school_fixture, login_as, pki):  # type: ignore[no-untyped-def]
    from app.audit.models import AuditEvent
    from app.signing.models import SigningCertificate

    ns = school_fixture
    client = login_as(ns.gvcn)
    resp = upload(client, pki.gvcn)
    assert resp.status_code in (302, 303)
    page = client.get("/signing/certificates").get_data(as_text=True)
    assert "Hoàng Văn Chủ Nhiệm" in page and "CHỨNG THƯ THỬ NGHIỆM — không có giá trị pháp lý" in page
    with app.app_context():
        cert = db.session.scalars(select(SigningCertificate)).one()
        assert cert.owner_id == ns.gvcn.id and cert.active and cert.is_test and cert.key_type == "RSA-2048"
        assert cert.p12 == pki.gvcn  # stored as uploaded: still encrypted by the owner's password
        events = list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.action == "signing.certificate_registered"))
        )
        assert len(events) == 1
        stored = " ".join(str(getattr(cert, c.name)) for c in SigningCertificate.__table__.columns if c.name != "p12")
        assert PASSWORD not in stored and PASSWORD not in str(events[0].changes)


def test_refusals_at_upload_say_why_and_store_nothing(app, school_fixture, login_as, pki):  # type: ignore[no-untyped-def]
    ns = school_fixture
    client = login_as(ns.gvcn)
    cases = [
        (pki.gvcn, "sai mật khẩu", "Mật khẩu chứng thư số không đúng."),
        (pki.expired, PASSWORD, "Chứng thư số đã hết hạn ngày"),
        (pki.future, PASSWORD, "Chứng thư số chỉ có hiệu lực từ ngày"),
        (pki.no_sign, PASSWORD, "không được phép dùng để ký"),
        (b"%PDF-1.4 not a p12", PASSWORD, "không phải chứng thư số PKCS#12"),
        (b"", PASSWORD, "Hãy chọn tệp chứng thư số"),
    ]
    for data, password, message in cases:
        resp = upload(client, data, password)
        assert resp.status_code == 422, message
        assert message in resp.get_data(as_text=True)
    resp = client.post("/signing/certificates", data={"password": ""})
    assert resp.status_code == 422 and "Hãy nhập mật khẩu của chứng thư số." in resp.get_data(as_text=True)
    assert _count(app) == 0


def test_who_may_hold_a_certificate(app, school_fixture, login_as, pki):  # type: ignore[no-untyped-def]
    ns = school_fixture
    assert upload(login_as(ns.t1), pki.other).status_code == 403  # a subject teacher, GVCN of no class
    assert upload(login_as(ns.admin), pki.other).status_code == 403  # the quản trị signs nothing
    assert login_as(ns.admin).get("/signing/certificates").status_code == 403
    assert upload(login_as(ns.ht), pki.ht).status_code in (302, 303)
    assert _count(app) == 1


def test_a_new_certificate_retires_the_old_one(app, school_fixture, as_user, pki):  # type: ignore[no-untyped-def]
    from app.signing import queries

    ns = school_fixture
    first = register(as_user, ns.gvcn, pki.gvcn)
    second = register(as_user, ns.gvcn, pki.other)
    with app.app_context():
        from app.accounts.models import User

        user = db.session.get(User, ns.gvcn.id)
        assert queries.active_certificate(user).id == second != first
        assert [c.active for c in queries.certificates_of(user)] == [True, False]


def test_expiry_is_shown_30_days_ahead_to_the_owner_and_the_bgh(app, school_fixture, as_user, login_as, pki):  # type: ignore[no-untyped-def]
    ns = school_fixture
    register(as_user, ns.gvcn, pki.soon)
    mine = login_as(ns.gvcn).get("/signing/certificates").get_data(as_text=True)
    assert "Chứng thư số của bạn sẽ hết hạn ngày" in mine and "còn " in mine
    bgh = login_as(ns.ht).get("/signing/certificates").get_data(as_text=True)
    assert "Hoàng Văn Chủ Nhiệm" in bgh and "sắp hết hạn" in bgh
    # a teacher sees no one else's certificates
    register(as_user, ns.ht, pki.ht)
    assert "Ngô Văn Hiệu Trưởng" not in login_as(ns.gvcn).get("/signing/certificates").get_data(as_text=True)


def test_make_test_certs_writes_marked_certificates_and_registers_them(app, school_fixture, runner, tmp_path):  # type: ignore[no-untyped-def]
    from app.signing import queries
    from app.signing.services import pki as p

    ns = school_fixture
    out = tmp_path / "certs"
    result = runner.invoke(args=["signing", "make-test-certs", "--dir", str(out), "--ec", "--register"])
    assert result.exit_code == 0, result.output
    password = next(line.split(": ", 1)[1] for line in result.output.splitlines() if line.startswith("Mật khẩu"))
    assert "CHỨNG THƯ THỬ NGHIỆM" in result.output and (out / "ca.pem").is_file()
    seal = p.open_p12((out / "seal.p12").read_bytes(), password)
    assert seal.facts.is_test and p.TEST_MARK in seal.facts.subject
    for user in (ns.gvcn, ns.ht):
        opened = p.open_p12((out / f"{user.username}.p12").read_bytes(), password)
        assert opened.facts.common_name == user.full_name and opened.facts.key_type == "EC P-256"
    assert not (out / f"{ns.t1.username}.p12").exists()  # not a GVCN, not BGH
    with app.app_context():
        from app.accounts.models import User

        assert queries.active_certificate(db.session.get(User, ns.gvcn.id)) is not None
        assert queries.active_certificate(db.session.get(User, ns.ht.id)) is not None
