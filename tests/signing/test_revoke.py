# ruff: noqa: F811  (fixtures imported from tests/signing/conftest.py and tests/parents/conftest.py)
"""Revoking an issued document (BGH): status 'revoked' with the reason, audited; no further
signature (one document or a batch); /verify says "Đã thu hồi" with the date and never the
BGH's note; the parent page stops offering a revoked báo liên lạc; only the BGH revokes."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from app.extensions import db
from tests.parents.conftest import issue as issue_link
from tests.parents.conftest import open_as_parent, parents_school  # noqa: F401
from tests.reports.test_issue_fixtures import closed, file_bytes, gb  # noqa: F401
from tests.signing.conftest import PASSWORD, book, signatures  # noqa: F401


def _doc(app, doc_id: int):  # type: ignore[no-untyped-def]
    from app.reports.models import IssuedDocument

    with app.app_context():
        doc = db.session.get(IssuedDocument, doc_id)
        db.session.expunge(doc)
        return doc


def _revoke(client, doc_id: int, reason: str = "issued_in_error", note: str = ""):  # type: ignore[no-untyped-def]
    return client.post(f"/signing/documents/{doc_id}/revoke", data={"reason": reason, "note": note})


def test_the_bgh_revokes_and_nobody_signs_it_again(app, book, login_as) -> None:  # type: ignore[no-untyped-def]
    from app.audit.models import AuditEvent

    ns = book
    gvcn, ht = login_as(ns.gvcn), login_as(ns.ht)
    assert gvcn.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": PASSWORD}).status_code == 303
    code = _doc(app, ns.doc_id).code
    page = ht.get(f"/signing/revoke?code={code.lower().replace('-', ' ')}")
    assert page.status_code == 200 and f"Thu hồi văn bản {code}" in page.text and "Còn hiệu lực" in page.text
    assert ht.get("/signing/revoke?code=2222-2222").status_code == 404
    missing = _revoke(ht, ns.doc_id, reason="")
    assert missing.status_code == 422 and "Hãy chọn lý do thu hồi." in missing.text
    other = _revoke(ht, ns.doc_id, reason="other")
    assert other.status_code == 422 and "Hãy ghi rõ lý do thu hồi." in other.text
    assert _doc(app, ns.doc_id).status == "valid"
    done = _revoke(ht, ns.doc_id, note="Bảng điểm lớp 10A1 nhập nhầm — Nguyễn Văn Riêng Tư")
    assert done.status_code == 303
    doc = _doc(app, ns.doc_id)
    assert doc.status == "revoked" and doc.revoked_by_id == ns.ht.id and doc.revoke_reason == "issued_in_error"
    assert doc.revoked_at is not None
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "signing.revoked")).all()
        assert event.actor_id == ns.ht.id and event.changes["status"] == ["valid", "revoked"]
    # nothing signs it any more: the hiệu trưởng's turn is refused, it is no longer awaiting
    refused = ht.post(f"/signing/documents/{ns.doc_id}/sign", data={"password": PASSWORD})
    assert refused.status_code == 409 and "đã bị thu hồi: không ký tiếp được" in refused.text
    assert [s.step for s in signatures(app, ns.doc_id)] == ["gvcn"]
    assert f'/signing/documents/{ns.doc_id}"' not in ht.get("/signing/documents").text
    assert "Văn bản đã bị thu hồi: không ký tiếp được." in ht.get(f"/signing/documents/{ns.doc_id}").text
    again = _revoke(ht, ns.doc_id)
    assert again.status_code == 409 and f"Văn bản {code} đã bị thu hồi trước đó." in again.text


def test_verify_says_revoked_with_the_date_and_no_note(app, book, login_as) -> None:  # type: ignore[no-untyped-def]
    from app.core.vn import format_date, to_local

    ns = book
    assert (
        _revoke(login_as(ns.ht), ns.doc_id, reason="other", note="Ghi chú nội bộ: học sinh Riêng Tư").status_code == 303
    )
    doc = _doc(app, ns.doc_id)
    public = app.test_client().get(f"/verify/{doc.code}")
    assert public.status_code == 200
    assert "Tình trạng: <strong>Đã thu hồi</strong>" in public.text
    assert f'ngày <strong id="revoked-on">{format_date(to_local(doc.revoked_at))}</strong>' in public.text
    assert "lý do: lý do khác" in public.text and "Riêng Tư" not in public.text and "Ghi chú" not in public.text
    # the genuine file still matches, with the warning that it no longer counts
    data = file_bytes(app, doc.sha256)
    from io import BytesIO

    checked = app.test_client().post(
        f"/verify/{doc.code}", data={"pdf": (BytesIO(data), "so.pdf")}, content_type="multipart/form-data"
    )
    assert (
        checked.status_code == 200 and "đã bị thu hồi ngày" in checked.text and 'id="verdict-revoked"' in checked.text
    )


def test_only_the_bgh_revokes(app, book, login_as) -> None:  # type: ignore[no-untyped-def]
    ns = book
    gvcn = login_as(ns.gvcn)
    assert _revoke(gvcn, ns.doc_id).status_code == 403
    assert gvcn.get(f"/signing/revoke?code={_doc(app, ns.doc_id).code}").status_code == 403
    assert _doc(app, ns.doc_id).status == "valid"
    assert "Thu hồi văn bản này" not in gvcn.get(f"/signing/documents/{ns.doc_id}").text
    assert "Thu hồi văn bản này" in login_as(ns.ht).get(f"/signing/documents/{ns.doc_id}").text


def test_a_batch_skips_a_document_revoked_after_it_was_queued(app, book, login_as, as_user) -> None:  # type: ignore[no-untyped-def]
    from app.core import jobs as background
    from app.reports.models import IssuedDocument
    from app.school.models import SchoolClass
    from app.signing.services import batch, revoking

    ns = book
    assert (
        login_as(ns.gvcn).post(f"/signing/documents/{ns.doc_id}/sign", data={"password": PASSWORD}).status_code == 303
    )

    def start(a):  # type: ignore[no-untyped-def]
        job = batch.start_job(a, db.session.get(SchoolClass, ns.c10a1.id), PASSWORD)
        db.session.info.pop(background.AFTER_COMMIT)  # run below, in this thread
        return job.id, batch.open_keys(a, PASSWORD)

    job_id, keys = as_user(ns.ht, start)
    as_user(ns.ht, lambda a: revoking.revoke(a, db.session.get(IssuedDocument, ns.doc_id), "wrong_content"))
    with app.app_context():
        batch.run_job(job_id, keys)
        job = batch.queries.get_job(job_id)
        assert (job.state, job.done, job.signed, job.sealed, job.skipped) == ("done", 1, 0, 0, 1)
    assert [s.step for s in signatures(app, ns.doc_id)] == ["gvcn"]


def test_the_parent_page_stops_offering_a_revoked_bao_lien_lac(app, parents_school, as_user) -> None:  # type: ignore[no-untyped-def]
    from app.core import files
    from app.reports.models import IssuedDocument
    from app.signing import services

    ns = parents_school
    s = ns.students[0]
    snap = ns.snapshots[(s.id, "month")]
    data = b"%PDF-1.7 test " + s.full_name.encode()

    def store(_a):  # type: ignore[no-untyped-def]
        staged = files.stage_bytes(data, db.session())
        doc = IssuedDocument(
            kind="bao_lien_lac", student_id=s.id, class_id=ns.cls.id, year_id=ns.year.id, period="month",
            period_ref="2026-10", slot=f"bao_lien_lac:s{s.id}:c{ns.cls.id}:month:2026-10",
            source_key=hashlib.sha256(b"k").hexdigest(), sources=[{"id": snap, "sha256": "0" * 64}],
            file_name="bao-lien-lac.pdf", sha256=staged.sha256, size=len(data), code="TEST-0001",
        )  # fmt: skip
        db.session.add(doc)
        db.session.flush()
        return doc.id

    doc_id = as_user(None, store)
    client = app.test_client()
    open_as_parent(client, issue_link(as_user, ns.gvcn, ns.cls.id, ns.guardians[s.id]))
    assert "Tải báo liên lạc (PDF)" in client.get(f"/p/view/{snap}").text
    as_user(ns.ht, lambda a: services.revoking.revoke(a, db.session.get(IssuedDocument, doc_id), "wrong_content"))
    assert "Tải báo liên lạc (PDF)" not in client.get(f"/p/view/{snap}").text
    assert client.get(f"/p/view/{snap}/pdf").status_code == 404
