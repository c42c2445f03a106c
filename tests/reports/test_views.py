# ruff: noqa: F811  (fixtures imported from tests/reports/test_issue_fixtures.py)
"""The pages a GVCN uses: the class's printable periods, a student's preview (what will
print, audited), issuing one, the whole class as an in-process job that reaches done with
every file, the merged PDF and the ZIP, and downloads answered as inert attachments."""

from __future__ import annotations

import io
import zipfile

from pypdf import PdfReader

from app.extensions import db
from tests.reports.test_issue_fixtures import audit_rows, closed, documents, fetch, gb, issue_card, pdf_text  # noqa: F401


def _job_done(app, client, location: str) -> str:  # type: ignore[no-untyped-def]
    from app.reports import jobs

    jobs.wait_idle(app)
    return client.get(location).get_data(as_text=True)


def test_the_gvcn_sees_the_closed_period_and_every_student(app, closed, login_as) -> None:
    ns = closed
    page = login_as(ns.gvcn).get(f"/reports/classes/{ns.c10a1.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Học kỳ I" in html
    assert all(s.full_name in html for s in ns.students_a1)
    assert "Canary-B01" not in html
    assert "In báo liên lạc cả lớp (3)" in html


def test_a_class_without_an_approved_close_offers_nothing_to_print(app, gb, login_as) -> None:
    html = login_as(gb.gvcn).get(f"/reports/classes/{gb.c10a1.id}").get_data(as_text=True)
    assert "chưa có kỳ nào được hiệu trưởng duyệt" in html
    assert (
        login_as(gb.gvcn)
        .get(f"/reports/classes/{gb.c10a1.id}/students/{gb.students_a1[0].id}/preview?period=hk1")
        .status_code
        == 404
    )


def test_the_preview_shows_what_will_print_and_is_audited(app, closed, login_as, audit_rows) -> None:
    ns = closed
    student = ns.students_a1[1]
    page = login_as(ns.gvcn).get(f"/reports/classes/{ns.c10a1.id}/students/{student.id}/preview?period=hk1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and student.full_name in html and "Học kỳ I" in html
    assert not any(s.full_name in html for s in ns.students_a1 if s.id != student.id)
    [event_] = audit_rows("report.previewed")
    assert event_[3]["kind"] == "bao_lien_lac" and event_[3]["period"] == "hk1"
    assert documents(app) == []  # a preview issues nothing


def test_issuing_one_from_the_page_then_downloading_it(app, closed, login_as, audit_rows) -> None:
    ns = closed
    client = login_as(ns.gvcn)
    student = ns.students_a1[0]
    resp = client.post(
        f"/reports/classes/{ns.c10a1.id}/students/{student.id}/issue", data={"period": "hk1", "kind": "bao_lien_lac"}
    )
    assert resp.status_code == 303
    [doc] = documents(app)
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"mã {doc.code}" in html
    got = fetch(client, f"/reports/documents/{doc.id}/download")
    assert got.status_code == 200 and got.mimetype == "application/pdf"
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in got.headers["Content-Disposition"]
    assert got.headers["Cache-Control"] == "private, no-store"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert student.full_name in pdf_text(got.data)
    assert [e[3]["code"] for e in audit_rows("report.downloaded")] == [doc.code]


def test_a_bad_choice_is_a_422_with_a_vietnamese_sentence(app, closed, login_as) -> None:
    ns = closed
    resp = login_as(ns.gvcn).post(
        f"/reports/classes/{ns.c10a1.id}/students/{ns.ids[0]}/issue", data={"period": "hk1", "kind": "diem_danh"}
    )
    assert resp.status_code == 422 and "Lựa chọn không hợp lệ" in resp.get_data(as_text=True)
    missing = login_as(ns.gvcn).post(f"/reports/classes/{ns.c10a1.id}/batch", data={"kind": "bao_lien_lac"})
    assert missing.status_code == 422 and "Hãy chọn kỳ in." in missing.get_data(as_text=True)
    other = login_as(ns.gvcn).post(
        f"/reports/classes/{ns.c10a1.id}/batch", data={"period": "hk2", "kind": "bao_lien_lac"}
    )
    assert other.status_code == 404  # HK II is not closed


def test_the_whole_class_in_one_click_reaches_done_with_every_file(app, closed, login_as, audit_rows) -> None:
    ns = closed
    client = login_as(ns.gvcn)
    resp = client.post(f"/reports/classes/{ns.c10a1.id}/batch", data={"period": "hk1", "kind": "bao_lien_lac"})
    assert resp.status_code == 303 and "/reports/jobs/" in resp.headers["Location"]
    html = _job_done(app, client, resp.headers["Location"])
    assert "Đã xong" in html and "3 / 3" in html and 'hx-trigger="every 1s"' not in html
    docs = documents(app)
    assert sorted(d.student_id for d in docs) == sorted(ns.ids) and all(d.status == "valid" for d in docs)
    job_id = int(resp.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    merged = fetch(client, f"/reports/jobs/{job_id}/download/pdf")
    assert merged.status_code == 200 and merged.headers["Cache-Control"] == "private, no-store"
    assert merged.headers["Content-Disposition"].startswith("attachment;")
    text = pdf_text(merged.data)
    # class order (R25: tên, chữ đệm, họ): the three canaries appear in that order
    order = [s.full_name for s in sorted(ns.students_a1, key=lambda s: s.full_name)]
    assert [text.index(n) for n in order] == sorted(text.index(n) for n in order)
    assert len(PdfReader(io.BytesIO(merged.data)).pages) == 3
    archive = zipfile.ZipFile(io.BytesIO(fetch(client, f"/reports/jobs/{job_id}/download/zip").data))
    assert len(archive.namelist()) == 3 and all(n.endswith(".pdf") for n in archive.namelist())
    assert [e[0] for e in audit_rows("report.job_finished")] == ["report.job_finished"]
    assert len(audit_rows("report.issued")) == 3
    # the same class again: nothing new is issued (idempotent per snapshot and kind)
    again = client.post(f"/reports/classes/{ns.c10a1.id}/batch", data={"period": "hk1", "kind": "bao_lien_lac"})
    assert "3 / 3" in _job_done(app, client, again.headers["Location"])
    assert len(documents(app)) == 3 and len(audit_rows("report.issued")) == 3


def test_the_job_page_polls_while_running_and_answers_a_fragment_to_htmx(app, closed, login_as, as_user) -> None:
    from app.reports import queries
    from app.reports.services import batches
    from app.school.models import SchoolClass

    ns = closed

    def start(a):  # type: ignore[no-untyped-def]
        cls = db.session.get(SchoolClass, ns.c10a1.id)
        job = batches.start_job(a, "bao_lien_lac", "class", cls.id, queries.issuable_period(cls, "hk1"))
        db.session.info.pop(batches.DISPATCH, None)  # left queued: nobody runs it
        return job.id

    job_id = as_user(ns.gvcn, start)
    client = login_as(ns.gvcn)
    page = client.get(f"/reports/jobs/{job_id}").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in page and "0 / 3" in page and "Đang chờ" in page
    fragment = client.htmx("GET", f"/reports/jobs/{job_id}")
    assert "<html" not in fragment.get_data(as_text=True) and "HX-Request" in fragment.headers["Vary"]
    assert client.get(f"/reports/jobs/{job_id}/download/pdf").status_code == 404  # not done yet


def test_a_failed_item_names_the_student_and_the_job_resumes(app, closed, login_as, monkeypatch) -> None:
    from app.reports import pdf as pdf_mod
    from app.reports.services import issuing

    ns = closed
    real = pdf_mod.render_with_boxes  # what issuing draws with (the boxes are kept for signing)
    calls = {"n": 0}

    def flaky(document, stamp):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("hết giấy")
        return real(document, stamp)

    monkeypatch.setattr(issuing.pdf, "render_with_boxes", flaky)
    client = login_as(ns.gvcn)
    resp = client.post(f"/reports/classes/{ns.c10a1.id}/batch", data={"period": "hk1", "kind": "bao_lien_lac"})
    html = _job_done(app, client, resp.headers["Location"])
    second = sorted(ns.students_a1, key=lambda s: s.full_name)[1].full_name
    assert "Bị lỗi" in html and f"Dừng ở học sinh {second}: hết giấy" in html and "1 / 3" in html
    job_id = int(resp.headers["Location"].rsplit("/", 1)[-1])
    assert client.post(f"/reports/jobs/{job_id}/resume").status_code == 303
    html = _job_done(app, client, resp.headers["Location"])
    assert "Đã xong" in html and "3 / 3" in html and len(documents(app)) == 3


def test_a_failure_while_recording_keeps_those_before_it_and_names_the_student(
    app, closed, login_as, monkeypatch, runner
) -> None:
    """A chunk is recorded in one transaction: should recording its second document fail,
    the chunk is rolled back, the first is recorded again on its own and the job stops on
    the second — "1 / 3", the student named, the audit chain whole; "Chạy tiếp" ends it."""
    from app.reports.services import issuing

    ns = closed
    real = issuing.record
    calls = {"n": 0}

    def flaky(actor, drawn):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("mất kết nối")
        return real(actor, drawn)

    monkeypatch.setattr(issuing, "record", flaky)
    client = login_as(ns.gvcn)
    resp = client.post(f"/reports/classes/{ns.c10a1.id}/batch", data={"period": "hk1", "kind": "bao_lien_lac"})
    html = _job_done(app, client, resp.headers["Location"])
    second = sorted(ns.students_a1, key=lambda s: s.full_name)[1].full_name
    assert "Bị lỗi" in html and f"Dừng ở học sinh {second}: mất kết nối" in html and "1 / 3" in html
    assert len(documents(app)) == 1
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    job_id = int(resp.headers["Location"].rsplit("/", 1)[-1])
    assert client.post(f"/reports/jobs/{job_id}/resume").status_code == 303
    html = _job_done(app, client, resp.headers["Location"])
    assert "Đã xong" in html and "3 / 3" in html and len(documents(app)) == 3
