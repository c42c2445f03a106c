# ruff: noqa: F811  (fixtures imported from tests/signing/conftest.py)
"""The school's opt-in to store signing keys encrypted (services.keystore): off by default;
the BGH turns it on; the owner chooses at upload; signing then needs no password; a missing
or changed SODIENTU_KEY_ENCRYPTION_KEY is a Vietnamese refusal and nothing is signed;
turning it off deletes every stored key; audited."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, file_bytes, gb  # noqa: F401
from tests.signing.conftest import PASSWORD, book, signatures, validate  # noqa: F401

SECRET = "khóa-máy-chủ-thử-nghiệm-đủ-dài-0123456789"


def _store(client, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        "/signing/certificates",
        data={"password": PASSWORD, "store_key": "y", "p12": (io.BytesIO(data), "chung-thu.p12")},
        content_type="multipart/form-data",
    )


def _stored(app) -> list[bytes | None]:  # type: ignore[no-untyped-def]
    from app.signing.models import SigningCertificate

    with app.app_context():
        rows = db.session.scalars(select(SigningCertificate).where(SigningCertificate.active.is_(True)))
        return [c.sealed_key for c in rows.all()]


def _events(app, action: str) -> list:  # type: ignore[no-untyped-def,type-arg]
    from app.audit.models import AuditEvent

    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_stored_keys_sign_without_a_password_and_a_changed_server_key_signs_nothing(app, book, login_as, pki) -> None:  # type: ignore[no-untyped-def]
    ns = book
    app.config["SODIENTU_KEY_ENCRYPTION_KEY"] = SECRET
    gvcn, ht = login_as(ns.gvcn), login_as(ns.ht)
    # off by default: no choice offered, and a forced one is refused
    assert 'id="store-key"' not in gvcn.get("/signing/certificates").text
    refused = _store(gvcn, pki.gvcn)
    assert refused.status_code == 409 and "chưa cho phép lưu khóa" in refused.text
    assert gvcn.post("/signing/key-storage", data={"enabled": "y"}).status_code == 403
    assert ht.post("/signing/key-storage", data={"enabled": "y"}).status_code == 303
    assert "đang bật" in ht.get("/signing/certificates").text and len(_events(app, "signing.key_storage_enabled")) == 1
    assert 'id="store-key"' in gvcn.get("/signing/certificates").text
    assert _store(gvcn, pki.gvcn).status_code == 303 and _store(ht, pki.ht).status_code == 303
    stored = _stored(app)
    assert len(stored) == 2 and all(stored)
    assert all(PASSWORD.encode() not in blob and SECRET.encode() not in blob for blob in stored if blob)
    assert "được lưu mã hóa trên máy chủ" in gvcn.get("/signing/certificates").text
    # the GVCN signs with no password
    assert gvcn.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": ""}).status_code == 303
    # a changed, then a missing server key: a clear refusal, nothing signed
    app.config["SODIENTU_KEY_ENCRYPTION_KEY"] = SECRET + "-khác"
    changed = ht.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": ""})
    assert changed.status_code == 422 and "đã bị thay đổi nên không mở được khóa đã lưu" in changed.text
    app.config["SODIENTU_KEY_ENCRYPTION_KEY"] = None
    missing = ht.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": ""})
    assert missing.status_code == 422 and "chưa được cấu hình khóa mã hóa" in missing.text
    assert [s.step for s in signatures(app, ns.doc_id)] == ["gvcn"]
    app.config["SODIENTU_KEY_ENCRYPTION_KEY"] = SECRET
    assert ht.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": ""}).status_code == 303
    sigs = signatures(app, ns.doc_id)
    assert [s.step for s in sigs] == ["gvcn", "hieu_truong", "seal"]
    for _sig, status in validate(file_bytes(app, sigs[-1].sha256), pki.ca_pem):
        assert status.intact and status.valid and status.trusted
    # off: every stored key deleted, the password is needed again
    off = ht.post("/signing/key-storage", data={"enabled": ""})
    assert off.status_code == 303 and _stored(app) == [None, None]
    assert "đã xóa 2 khóa" in ht.get("/signing/certificates").text
    assert _events(app, "signing.key_storage_disabled")[0].changes["deleted_keys"] == 2


def test_a_blob_moved_to_another_certificate_does_not_open(app, book, login_as, pki) -> None:  # type: ignore[no-untyped-def]
    from app.signing.models import SigningCertificate

    ns = book
    app.config["SODIENTU_KEY_ENCRYPTION_KEY"] = SECRET
    gvcn, ht = login_as(ns.gvcn), login_as(ns.ht)
    assert ht.post("/signing/key-storage", data={"enabled": "y"}).status_code == 303
    assert _store(ht, pki.ht).status_code == 303
    with app.app_context():
        mine = db.session.scalars(select(SigningCertificate).where(SigningCertificate.owner_id == ns.gvcn.id)).all()
        theirs = db.session.scalars(
            select(SigningCertificate).where(SigningCertificate.owner_id == ns.ht.id, SigningCertificate.active)
        ).one()
        mine[-1].sealed_key = theirs.sealed_key
        db.session.commit()
    moved = gvcn.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": ""})
    assert moved.status_code == 422 and "không mở được khóa đã lưu" in moved.text
    assert signatures(app, ns.doc_id) == []
    # the owner can forget their own stored key
    assert ht.post("/signing/certificates/forget-key").status_code == 303
    assert len(_events(app, "signing.key_forgotten")) == 1
