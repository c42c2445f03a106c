"""A month's báo liên lạc: once the GVCN publishes October, it prints from the month
snapshots — the scores entered by 31/10, no average, and the sentence saying so."""

# ruff: noqa: F811
from __future__ import annotations

from app.extensions import db
from tests.reports.test_issue_fixtures import documents, file_bytes, gb, issue_card, pdf_text  # noqa: F401
from tests.results.test_month import at, publish, typed  # noqa: F401


def test_a_published_month_prints_the_scores_so_far_and_no_average(app, gb, as_user, typed, login_as) -> None:
    a, b = gb.students_a1[0], gb.students_a1[1]
    typed(at(2024, 10, 7), gb.t1, gb.toan_a1, [(a.id, "tx1", "8,5"), (b.id, "tx1", "6")])
    typed(at(2024, 11, 4), gb.t1, gb.toan_a1, [(a.id, "tx2", "3")])  # November: not on October's card
    client = login_as(gb.gvcn)
    assert 'id="no-periods"' in client.get(f"/reports/classes/{gb.c10a1.id}").text  # nothing published yet
    publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10", note="Cả lớp cố gắng hơn ở môn Toán.")
    page = client.get(f"/reports/classes/{gb.c10a1.id}?period=month:2024-10")
    assert page.status_code == 200 and a.full_name in page.text and 'value="month:2024-10"' in page.text
    doc_id = issue_card(as_user, gb.gvcn, gb.c10a1.id, a.id, period="month:2024-10")
    [doc] = [d for d in documents(app) if d.id == doc_id]
    assert (doc.period, doc.period_ref) == ("month", "2024-10")
    text = pdf_text(file_bytes(app, doc.sha256))
    assert "Kết quả đến hết tháng 10/2024 — chưa phải kết quả học kỳ" in text
    assert "8,5" in text and "Cả lớp cố gắng hơn ở môn Toán." in text
    assert "ĐTBmhk" not in text and b.full_name not in text
    with app.app_context():
        from app.results.models import ResultSnapshot

        source = db.session.get(ResultSnapshot, doc.sources[0]["id"])
        assert source.period == "month" and source.student_id == a.id


def test_the_gvcn_prints_octobers_whole_class_in_one_click(app, gb, as_user, typed, login_as) -> None:
    from tests.reports.test_views import _job_done

    ids = [s.id for s in gb.students_a1]
    typed(at(2024, 10, 7), gb.t1, gb.toan_a1, [(i, "tx1", "7") for i in ids])
    publish(as_user, gb.gvcn, gb.c10a1.id, "2024-10")
    client = login_as(gb.gvcn)
    choice = {"period": "month:2024-10", "kind": "bao_lien_lac"}
    resp = client.post(f"/reports/classes/{gb.c10a1.id}/batch", data=choice)
    assert resp.status_code == 303
    assert f"{len(ids)} / {len(ids)}" in _job_done(app, client, resp.headers["Location"])
    docs = documents(app)
    assert sorted(d.student_id for d in docs) == sorted(ids) and {d.period_ref for d in docs} == {"2024-10"}
    for doc in docs:
        text = pdf_text(file_bytes(app, doc.sha256))
        others = [s.full_name for s in gb.students_a1 + gb.students_a2 if s.id != doc.student_id]
        assert "chưa phải kết quả học kỳ" in text and not [n for n in others if n in text]
