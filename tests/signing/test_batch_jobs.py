# ruff: noqa: F811  (fixtures imported from tests/reports and tests/signing)
"""The hiệu trưởng's batches as background jobs: the whole school (every document waiting
for the hiệu trưởng) signed and sealed once each in one action, the progress in the job's
row (x / n), a crash mid-way resumed with the password typed again and nothing signed
twice, a wrong password refused before anything, and only the BGH near any of it."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.reports.test_issue_fixtures import closed, file_bytes, gb  # noqa: F401
from tests.reports.test_issue_hoc_ba import year_closed  # noqa: F401
from tests.signing.conftest import PASSWORD, signatures, validate
from tests.signing.test_batch import class_signed_by_gvcn  # noqa: F401


@pytest.fixture
def school_waiting(class_signed_by_gvcn, as_user):  # type: ignore[no-untyped-def]
    """10A1's three học bạ and its sổ theo dõi of HK I, each signed by the GVCN: four
    documents wait for the hiệu trưởng across the school."""
    from app.reports import queries, services
    from app.school.models import SchoolClass
    from app.signing import services as signing

    ns = class_signed_by_gvcn

    def issue_book(actor):  # type: ignore[no-untyped-def]
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        return services.issue(actor, services.book_draft_for(cls, queries.issuable_period(cls, "hk1"))).id

    ns.book_id = as_user(ns.ht, issue_book)

    def gvcn_signs(actor):  # type: ignore[no-untyped-def]
        from app.reports.models import IssuedDocument

        signing.sign(actor, db.session.get(IssuedDocument, ns.book_id), PASSWORD)

    as_user(ns.gvcn, gvcn_signs)
    ns.all_ids = [*ns.doc_ids, ns.book_id]
    return ns


def _job(app, job_id):  # type: ignore[no-untyped-def]
    from app.signing.models import SigningJob

    with app.app_context():
        job = db.session.get(SigningJob, job_id)
        db.session.expunge(job)
        return job


def _job_id(resp) -> int:  # type: ignore[no-untyped-def]
    assert resp.status_code == 303, resp.get_data(as_text=True)
    location = resp.headers["Location"]
    assert "/signing/jobs/" in location
    return int(location.rstrip("/").rsplit("/", 1)[1])


def _steps(app, ids):  # type: ignore[no-untyped-def]
    return [Counter(s.step for s in signatures(app, d)) for d in ids]


def test_the_whole_school_is_signed_and_sealed_once_in_one_action(  # type: ignore[no-untyped-def]
    app, school_waiting, login_as, pki, monkeypatch
) -> None:
    from app.audit.models import AuditEvent
    from app.signing.services import batch

    ns = school_waiting
    seen: list[tuple[int, int]] = []
    real_item = batch.run_item

    def counting(job, item, keys):  # type: ignore[no-untyped-def]
        real_item(job, item, keys)
        seen.append((job.done, job.total))

    monkeypatch.setattr(batch, "run_item", counting)
    ht = login_as(ns.ht)
    page = ht.get("/signing/documents").get_data(as_text=True)
    assert "Ký toàn trường (4)" in page
    job_id = _job_id(ht.post("/signing/school/batch", data={"password": PASSWORD}))
    batch.wait_idle(app)
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]  # the row counts x of n as it goes
    job = _job(app, job_id)
    assert (job.state, job.done, job.total, job.signed, job.sealed, job.skipped) == ("done", 4, 4, 4, 4, 0)
    body = ht.get(f"/signing/jobs/{job_id}").get_data(as_text=True)
    assert "4 / 4" in body and "Đã xong" in body and "Đã ký 4 · đóng dấu 4" in body
    fragment = ht.get(f"/signing/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'id="job-progress"' in fragment and "hx-trigger" not in fragment and "<html" not in fragment
    assert _steps(app, ns.all_ids) == [{"gvcn": 1, "hieu_truong": 1, "seal": 1}] * 4
    for doc_id in (ns.doc_ids[0], ns.book_id):  # a sample: a học bạ and the sổ theo dõi
        sigs = signatures(app, doc_id)
        results = validate(file_bytes(app, sigs[-1].sha256), pki.ca_pem)
        assert [sig.field_name for sig, _ in results] == ["ChuKy_GVCN", "ChuKy_HieuTruong", "DauCuaTruong"]
        assert all(st.intact and st.valid and st.trusted for _, st in results)
        assert results[-1][1].coverage.name == "ENTIRE_FILE"
    again = ht.post("/signing/school/batch", data={"password": PASSWORD})
    assert again.status_code == 422
    assert "Toàn trường không có văn bản nào chờ hiệu trưởng ký." in again.get_data(as_text=True)
    with app.app_context():  # the password went nowhere: not the job's row, not the audit trail
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("signing.job_%"))).all()
        assert [e.action for e in events] == ["signing.job_started", "signing.job_finished"]
        assert PASSWORD not in json.dumps([e.changes for e in events], ensure_ascii=False)
    assert PASSWORD not in repr(vars(job))


def test_a_wrong_password_signs_nothing_and_starts_no_job(app, school_waiting, login_as) -> None:  # type: ignore[no-untyped-def]
    from app.signing.models import SigningJob
    from app.signing.services import batch

    ns = school_waiting
    resp = login_as(ns.ht).post("/signing/school/batch", data={"password": "không phải mật khẩu"})
    batch.wait_idle(app)
    assert resp.status_code == 422 and "Mật khẩu chứng thư số không đúng." in resp.get_data(as_text=True)
    empty = login_as(ns.ht).post("/signing/school/batch", data={"password": ""})
    assert empty.status_code == 422 and "Hãy nhập mật khẩu của chứng thư số." in empty.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(SigningJob)).all() == []
    assert _steps(app, ns.all_ids) == [{"gvcn": 1}] * 4


def test_a_crash_mid_way_resumes_with_the_password_again_and_signs_nothing_twice(  # type: ignore[no-untyped-def]
    app, school_waiting, login_as, monkeypatch
) -> None:
    from app.signing.services import batch, pades

    ns = school_waiting
    real, calls = pades.sign_pdf, {"n": 0}

    def crash_on_the_fourth(*args, **kw):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 4:  # the second document's seal, after its hiệu trưởng signature
            raise RuntimeError("the worker died")
        return real(*args, **kw)

    monkeypatch.setattr(pades, "sign_pdf", crash_on_the_fourth)
    ht = login_as(ns.ht)
    job_id = _job_id(ht.post("/signing/school/batch", data={"password": PASSWORD}))
    batch.wait_idle(app)
    job = _job(app, job_id)
    assert (job.state, job.done, job.total) == ("failed", 1, 4)
    # the second document's transaction rolled back whole: its hiệu trưởng signature too
    assert _steps(app, ns.all_ids) == [{"gvcn": 1, "hieu_truong": 1, "seal": 1}] + [{"gvcn": 1}] * 3
    body = ht.get(f"/signing/jobs/{job_id}").get_data(as_text=True)
    assert f"Dừng ở văn bản {job.failed_code}: lỗi không mong đợi (RuntimeError)" in body
    assert "1 / 4" in body and 'id="job-resume"' in body and "hx-trigger" not in body
    monkeypatch.setattr(pades, "sign_pdf", real)
    wrong = ht.post(f"/signing/jobs/{job_id}/resume", data={"password": "sai"})
    batch.wait_idle(app)
    assert wrong.status_code == 422 and "Mật khẩu chứng thư số không đúng." in wrong.get_data(as_text=True)
    assert _job(app, job_id).state == "failed"
    assert ht.post(f"/signing/jobs/{job_id}/resume", data={"password": PASSWORD}).status_code == 303
    batch.wait_idle(app)
    job = _job(app, job_id)
    assert (job.state, job.done, job.signed, job.sealed) == ("done", 4, 4, 4)
    assert _steps(app, ns.all_ids) == [{"gvcn": 1, "hieu_truong": 1, "seal": 1}] * 4
    done_again = ht.post(f"/signing/jobs/{job_id}/resume", data={"password": PASSWORD})
    assert done_again.status_code == 409 and "Đợt ký này đã xong." in done_again.get_data(as_text=True)


def test_a_job_whose_process_died_is_shown_interrupted_and_resumed(app, school_waiting, as_user, login_as) -> None:  # type: ignore[no-untyped-def]
    from app.core import jobs as background
    from app.core.models import utcnow
    from app.signing.models import SigningJob
    from app.signing.services import batch

    ns = school_waiting

    def start_then_die(a):  # type: ignore[no-untyped-def]
        job = batch.start_job(a, None, PASSWORD)
        db.session.info.pop(background.AFTER_COMMIT)  # the process dies: no thread ever runs it
        return job.id

    job_id = as_user(ns.ht, start_then_die)
    ht = login_as(ns.ht)
    live = ht.get(f"/signing/jobs/{job_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "0 / 4" in live and 'hx-trigger="every 1s"' in live and "gián đoạn" not in live
    busy = ht.post(f"/signing/jobs/{job_id}/resume", data={"password": PASSWORD})
    assert busy.status_code == 409 and "Đợt ký này đang chạy." in busy.get_data(as_text=True)
    with app.app_context():
        job = db.session.get(SigningJob, job_id)
        job.state, job.heartbeat_at = "running", utcnow() - timedelta(minutes=5)
        db.session.commit()
    body = ht.get(f"/signing/jobs/{job_id}").get_data(as_text=True)
    assert "Đợt ký bị gián đoạn" in body and 'id="resume-password"' in body and "hx-trigger" not in body
    assert ht.post(f"/signing/jobs/{job_id}/resume", data={"password": PASSWORD}).status_code == 303
    batch.wait_idle(app)
    assert _job(app, job_id).state == "done"
    assert _steps(app, ns.all_ids) == [{"gvcn": 1, "hieu_truong": 1, "seal": 1}] * 4


def test_only_the_bgh_starts_or_sees_a_batch_and_only_its_requester_resumes_it(  # type: ignore[no-untyped-def]
    app, school_waiting, as_user, login_as, make_user
) -> None:
    from app.core import jobs as background
    from app.core.authz import Role
    from app.signing.services import batch

    ns = school_waiting
    gvcn = login_as(ns.gvcn)
    assert gvcn.post("/signing/school/batch", data={"password": PASSWORD}).status_code == 403
    assert gvcn.post(f"/signing/classes/{ns.c10a1.id}/batch", data={"password": PASSWORD}).status_code == 403
    assert "Ký toàn trường" not in gvcn.get("/signing/documents").get_data(as_text=True)

    def start(a):  # type: ignore[no-untyped-def]
        job = batch.start_job(a, None, PASSWORD)
        db.session.info.pop(background.AFTER_COMMIT)
        return job.id

    job_id = as_user(ns.ht, start)
    assert gvcn.get(f"/signing/jobs/{job_id}").status_code == 403
    assert gvcn.post(f"/signing/jobs/{job_id}/resume", data={"password": PASSWORD}).status_code == 403
    assert login_as(ns.admin).get(f"/signing/jobs/{job_id}").status_code == 403
    assert login_as(ns.ht).get(f"/signing/jobs/{job_id + 99}").status_code == 404
    pht = login_as(make_user("pht", roles=(Role.VICE_PRINCIPAL,), full_name="Trần Phó Hiệu Trưởng"))
    assert pht.get(f"/signing/jobs/{job_id}").status_code == 200
    with app.app_context():
        from app.signing.models import SigningJob

        db.session.get(SigningJob, job_id).state = "failed"
        db.session.commit()
    page = pht.get(f"/signing/jobs/{job_id}").get_data(as_text=True)
    assert 'id="job-resume"' not in page and "người bắt đầu đợt ký" in page
    assert pht.post(f"/signing/jobs/{job_id}/resume", data={"password": PASSWORD}).status_code == 403
    batch.wait_idle(app)
    assert _steps(app, ns.all_ids) == [{"gvcn": 1}] * 4
