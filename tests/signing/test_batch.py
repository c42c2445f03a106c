# ruff: noqa: F811  (fixtures imported from tests/reports and tests/signing)
"""The hiệu trưởng signs a whole class at once: the key opened once, each document its own
transaction; a batch cut short resumes without signing anything twice."""

from __future__ import annotations

from collections import Counter

import pytest

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, file_bytes, gb  # noqa: F401
from tests.reports.test_issue_hoc_ba import year_closed  # noqa: F401
from tests.signing.conftest import PASSWORD, register, signatures, validate


@pytest.fixture
def class_signed_by_gvcn(app, year_closed, as_user, pki):  # type: ignore[no-untyped-def]
    from app.reports import queries, services
    from app.school.models import SchoolClass
    from app.signing import services as signing

    ns = year_closed
    app.config.update(SODIENTU_SEAL_P12=str(pki.seal), SODIENTU_SEAL_PASSWORD=PASSWORD)
    register(as_user, ns.gvcn, pki.gvcn)
    register(as_user, ns.ht, pki.ht)

    def issue_all(actor):  # type: ignore[no-untyped-def]
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        period = queries.issuable_period(cls, "cn")
        return [
            services.issue(actor, services.draft_for(cls, queries.class_student(cls, s.id), period, "hoc_ba")).id
            for s in ns.students_a1
        ]

    ns.doc_ids = as_user(ns.gvcn, issue_all)

    def gvcn_signs(actor):  # type: ignore[no-untyped-def]
        from app.reports.models import IssuedDocument

        key = signing.open_for_signing(actor, PASSWORD)
        for doc_id in ns.doc_ids:
            signing.sign(actor, db.session.get(IssuedDocument, doc_id), key=key)

    as_user(ns.gvcn, gvcn_signs)
    return ns


def test_the_hieu_truong_signs_and_seals_the_class_in_one_action(app, class_signed_by_gvcn, login_as, pki) -> None:  # type: ignore[no-untyped-def]
    from app.signing import services

    ns = class_signed_by_gvcn
    ht = login_as(ns.ht)
    page = ht.get("/signing/documents").get_data(as_text=True)
    assert "Ký cả lớp 10A1" in page and "(3 văn bản)" in page
    wrong = ht.post(f"/signing/classes/{ns.c10a1.id}/batch", data={"password": "sai"})
    assert wrong.status_code == 422 and "Mật khẩu chứng thư số không đúng." in wrong.get_data(as_text=True)
    assert all(len(signatures(app, d)) == 1 for d in ns.doc_ids)
    resp = ht.post(f"/signing/classes/{ns.c10a1.id}/batch", data={"password": PASSWORD})
    assert resp.status_code == 303 and "/signing/jobs/" in resp.headers["Location"]
    services.batch.wait_idle(app)
    job_page = ht.get(resp.headers["Location"]).get_data(as_text=True)
    assert "3 / 3" in job_page and "Đã xong" in job_page
    for doc_id in ns.doc_ids:
        sigs = signatures(app, doc_id)
        assert [s.step for s in sigs] == ["gvcn", "hieu_truong", "seal"]
        results = validate(file_bytes(app, sigs[-1].sha256), pki.ca_pem)
        assert len(results) == 3 and all(st.intact and st.valid and st.trusted for _, st in results)
    again = ht.post(f"/signing/classes/{ns.c10a1.id}/batch", data={"password": PASSWORD})
    assert again.status_code == 422 and "Lớp 10A1 không có văn bản nào chờ hiệu trưởng ký." in again.get_data(
        as_text=True
    )
    assert (
        login_as(ns.gvcn).post(f"/signing/classes/{ns.c10a1.id}/batch", data={"password": PASSWORD}).status_code == 403
    )


def test_a_batch_cut_short_resumes_without_double_signatures(app, class_signed_by_gvcn, as_user, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from app.core import jobs as background
    from app.school.models import SchoolClass
    from app.signing.services import batch, pades

    ns = class_signed_by_gvcn
    real, calls = pades.sign_pdf, {"n": 0}

    def crash_on_the_third(*args, **kw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:  # the second document's hiệu trưởng signature
            raise RuntimeError("the worker died")
        return real(*args, **kw)

    def start(a):  # type: ignore[no-untyped-def]
        job = batch.start_job(a, db.session.get(SchoolClass, ns.c10a1.id), PASSWORD)
        db.session.info.pop(background.AFTER_COMMIT)  # run below, in this thread
        return job.id, batch.open_keys(a, PASSWORD)

    monkeypatch.setattr(pades, "sign_pdf", crash_on_the_third)
    job_id, keys = as_user(ns.ht, start)
    with app.app_context():
        batch.run_job(job_id, keys)
    steps = [[s.step for s in signatures(app, d)] for d in ns.doc_ids]
    assert steps == [["gvcn", "hieu_truong", "seal"], ["gvcn"], ["gvcn"]]
    monkeypatch.setattr(pades, "sign_pdf", real)
    with app.app_context():
        batch.run_job(job_id, keys)  # a failed job does not run again by itself
    assert [len(signatures(app, d)) for d in ns.doc_ids] == [3, 1, 1]

    def resume(a):  # type: ignore[no-untyped-def]
        batch.resume_job(a, batch.queries.get_job(job_id), PASSWORD)
        db.session.info.pop(background.AFTER_COMMIT)
        return batch.open_keys(a, PASSWORD)

    keys = as_user(ns.ht, resume)
    with app.app_context():
        batch.run_job(job_id, keys)
        job = batch.queries.get_job(job_id)
        assert (job.state, job.done, job.total, job.signed, job.sealed) == ("done", 3, 3, 3, 3)
    for doc_id in ns.doc_ids:
        assert Counter(s.step for s in signatures(app, doc_id)) == {"gvcn": 1, "hieu_truong": 1, "seal": 1}
