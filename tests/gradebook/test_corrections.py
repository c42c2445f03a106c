"""Corrections after lock (R16, SECURITY.md 13): request → GVCN confirms → hiệu trưởng approves
→ applied; the original value is kept; nobody decides their own request; every step audited."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from tests.gradebook.conftest import post_cell
from tests.gradebook.test_locking import decide, fill

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def approved(gb, login_as, app, as_user):  # type: ignore[no-untyped-def]
    c = login_as(gb.t1)
    row = {"tx1": "8", "tx2": "7", "tx3": "9", "tx4": "6,5", "gk": "6,5", "ck": "8"}
    fill(c, gb.toan_a1, gb.students_a1, row)
    assert c.post(f"/gradebook/{gb.toan_a1}/submit", data={}).status_code == 303
    decide(app, as_user, gb.tt_toan, gb.toan_a1)
    decide(app, as_user, gb.ht, gb.toan_a1)
    return c


def _request(client, gb, new="7,5", reason="Nhập nhầm điểm giữa kỳ", evidence=True):  # type: ignore[no-untyped-def]
    data = {"student_id": gb.students_a1[0].id, "column": "gk", "new_value": new, "reason": reason}
    if evidence:
        data["evidence"] = (io.BytesIO(PDF), "Bài kiểm tra GK.pdf")
    return client.post(f"/gradebook/{gb.toan_a1}/corrections", data=data, content_type="multipart/form-data")


def _correction(app):  # type: ignore[no-untyped-def]
    from app.gradebook.models import CorrectionRequest

    with app.app_context():
        c = db.session.scalars(select(CorrectionRequest).order_by(CorrectionRequest.id.desc())).first()
        db.session.expunge(c)
        return c


def _decide(client, correction_id: int, version: int, action="approve", comment=""):  # type: ignore[no-untyped-def]
    return client.post(
        f"/gradebook/corrections/{correction_id}/decide",
        data={"action": action, "version": version, "comment": comment},
    )


def test_full_correction_flow_keeps_the_original_and_audits_every_step(
    gb, approved, login_as, app, cell, audit_rows
) -> None:
    sid = gb.students_a1[0].id
    assert cell(gb.toan_a1, sid, "gk") == (Decimal("6.5"), 1)
    r = _request(approved, gb)
    assert r.status_code == 303, r.text
    c = _correction(app)
    assert (c.state, c.step, c.old_value, c.new_value) == (
        "submitted",
        0,
        Decimal("6.5"),
        Decimal("7.5"),
    )
    assert c.evidence_sha256 and c.evidence_name == "Bài kiểm tra GK.pdf"
    assert cell(gb.toan_a1, sid, "gk") == (Decimal("6.5"), 1)  # nothing applied yet

    # the requester cannot decide their own request; the HT cannot skip the GVCN
    assert _decide(approved, c.id, c.version).status_code == 403
    assert _decide(login_as(gb.ht), c.id, c.version).status_code == 403
    # another subject teacher of the class cannot even see it
    assert login_as(gb.t2).get(f"/gradebook/corrections/{c.id}").status_code == 404

    assert _decide(login_as(gb.gvcn), c.id, c.version).status_code == 303
    c = _correction(app)
    assert (c.state, c.step, c.confirmed_by_id) == ("submitted", 1, gb.gvcn.id)
    assert cell(gb.toan_a1, sid, "gk") == (Decimal("6.5"), 1)
    assert _decide(login_as(gb.gvcn), c.id, c.version).status_code == 403  # not twice

    ht = login_as(gb.ht)
    assert _decide(ht, c.id, c.version - 1).status_code == 409  # stale form
    assert _decide(ht, c.id, c.version).status_code == 303
    c = _correction(app)
    assert c.state == "approved" and c.decided_by_id == gb.ht.id and c.applied_at is not None
    assert cell(gb.toan_a1, sid, "gk") == (Decimal("7.5"), 2)

    from app.gradebook.models import ScoreHistory

    with app.app_context():
        history = list(
            db.session.scalars(
                select(ScoreHistory)
                .where(
                    ScoreHistory.gradebook_id == gb.toan_a1,
                    ScoreHistory.student_id == sid,
                    ScoreHistory.kind == "gk",
                )
                .order_by(ScoreHistory.id)
            )
        )
        assert [(h.old_value, h.new_value, h.source) for h in history] == [
            (None, Decimal("6.5"), "entry"),
            (Decimal("6.5"), Decimal("7.5"), "correction"),
        ]
        assert history[-1].correction_id == c.id and history[-1].reason == "Nhập nhầm điểm giữa kỳ"

    requested = audit_rows("correction.requested")
    approvals = audit_rows("correction.approved")
    corrected = audit_rows("grade.corrected")
    assert len(requested) == 1 and len(approvals) == 2 and len(corrected) == 1
    for _action, _t, _id, changes in requested + approvals + corrected:
        assert changes["value"] == ["6.5", "7.5"] and changes["column"] == "gk"
        assert changes["student_id"] == sid and changes["requester_id"] == gb.t1.id
        assert changes["reason"] == "Nhập nhầm điểm giữa kỳ"
    assert corrected[0][3]["approver_id"] == gb.ht.id
    assert corrected[0][3]["confirmed_by_id"] == gb.gvcn.id

    # the averages are recomputed from the corrected value
    page = approved.get(f"/gradebook/{gb.toan_a1}")
    assert f'id="avg-{sid}"' in page.text
    # before: (30,5 + 2·6,5 + 3·8) / 9 = 7,5; after: (30,5 + 2·7,5 + 3·8) / 9 = 7,72… → 7,7
    assert re.search(rf'id="avg-{sid}"[^>]*>7,7', page.text)


def test_requests_are_only_for_locked_grids(gb, login_as, db_digest) -> None:
    c = login_as(gb.t1)
    post_cell(c, gb.toan_a1, gb.students_a1[0].id, "gk", "6,5", 0)
    r = _request(c, gb, evidence=False)
    assert r.status_code == 422 and "sửa trực tiếp" in r.text


def test_gvcn_can_refuse_and_the_request_ends(gb, approved, login_as, app, cell, audit_rows) -> None:
    _request(approved, gb, evidence=False)
    c = _correction(app)
    gvcn = login_as(gb.gvcn)
    assert _decide(gvcn, c.id, c.version, "return", "").status_code == 409  # a reason is required
    assert _decide(gvcn, c.id, c.version, "return", "Không có minh chứng").status_code == 303
    c = _correction(app)
    assert c.state == "returned"
    assert cell(gb.toan_a1, gb.students_a1[0].id, "gk") == (Decimal("6.5"), 1)
    assert audit_rows("correction.returned")[0][3]["value"] == ["6.5", "7.5"]
    assert _decide(login_as(gb.ht), c.id, c.version).status_code == 409


def test_requester_may_withdraw_before_the_gvcn_decides(gb, approved, app) -> None:
    _request(approved, gb, evidence=False)
    c = _correction(app)
    r = approved.post(f"/gradebook/corrections/{c.id}/withdraw", data={"version": c.version})
    assert r.status_code == 303
    assert _correction(app).state == "draft"


def test_when_the_gvcn_is_the_requester_bgh_confirms_and_another_bgh_approves(
    gb, app, login_as, as_user, make_user, make_assignment, make_subject, cell
) -> None:
    from app.core.authz import Role

    ly = make_subject("Vật lí", "LY", gb.dept_toan.id)
    make_assignment(gb.gvcn, gb.c10a1, ly)
    book = gb.open_book(gb.gvcn, gb.c10a1, ly, gb.term1)
    c = login_as(gb.gvcn)
    fill(c, book, gb.students_a1)
    assert c.post(f"/gradebook/{book}/submit", data={}).status_code == 303
    decide(app, as_user, gb.tt_toan, book)
    decide(app, as_user, gb.ht, book)
    data = {
        "student_id": gb.students_a1[0].id,
        "column": "ck",
        "new_value": "9",
        "reason": "Phúc khảo",
    }
    assert c.post(f"/gradebook/{book}/corrections", data=data).status_code == 303
    corr = _correction(app)
    assert _decide(c, corr.id, corr.version).status_code == 403  # own request
    ht = login_as(gb.ht)
    assert _decide(ht, corr.id, corr.version).status_code == 303  # HT confirms in the GVCN's place
    corr = _correction(app)
    assert _decide(ht, corr.id, corr.version).status_code == 403  # …but not twice
    pht = make_user("pht", roles=(Role.VICE_PRINCIPAL,), full_name="Phó Hiệu Trưởng")
    assert _decide(login_as(pht), corr.id, corr.version).status_code == 303
    assert cell(book, gb.students_a1[0].id, "ck") == (Decimal("9.0"), 2)


def test_evidence_is_checked_by_content_and_served_as_an_inert_attachment(gb, approved, login_as, app) -> None:
    bad = approved.post(
        f"/gradebook/{gb.toan_a1}/corrections",
        content_type="multipart/form-data",
        data={
            "student_id": gb.students_a1[0].id,
            "column": "gk",
            "new_value": "7",
            "reason": "x",
            "evidence": (io.BytesIO(b"<html><script>alert(1)</script>"), "x.pdf"),
        },
    )
    assert bad.status_code == 415
    _request(approved, gb)
    c = _correction(app)
    r = login_as(gb.gvcn).get(f"/gradebook/corrections/{c.id}/evidence")
    assert r.status_code == 200 and r.data == PDF
    assert r.headers["Content-Type"] == "application/pdf"
    assert "attachment" in r.headers["Content-Disposition"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in r.headers["Content-Security-Policy"]
    r.close()
    assert login_as(gb.t2).get(f"/gradebook/corrections/{c.id}/evidence").status_code == 404


def test_queue_shows_what_waits_for_each_person(gb, approved, login_as, app) -> None:
    _request(approved, gb, evidence=False)
    gvcn_page = login_as(gb.gvcn).get("/gradebook/corrections")
    assert 'id="corrections-todo"' in gvcn_page.text
    ht_page = login_as(gb.ht).get("/gradebook/corrections")
    assert 'id="corrections-todo"' not in ht_page.text and "Canary-A" in ht_page.text
    other = login_as(gb.t2).get("/gradebook/corrections")
    assert "Canary-A" not in other.text


def test_waiting_corrections_name_the_roles_properly(gb, approved, login_as, app) -> None:  # type: ignore[no-untyped-def]
    """Issue 8.6: the list said "Chờ gvcn xác nhận" (lower case)."""
    assert _request(approved, gb).status_code == 303
    listing = approved.get("/gradebook/corrections").text
    assert "Chờ Giáo viên chủ nhiệm xác nhận" in listing and "gvcn" not in listing
    c = _correction(app)
    assert _decide(login_as(gb.gvcn), c.id, c.version).status_code == 303
    assert "Chờ Hiệu trưởng phê duyệt" in approved.get("/gradebook/corrections").text


def test_the_home_lists_a_request_for_whoever_decides_its_step_counted_in_sql(
    gb, approved, app, login_as, make_user
) -> None:
    """The home's "Yêu cầu điều chỉnh điểm chờ bạn" is narrowed in SQL (issue 13.6) to what
    `can_decide_correction` allows: the GVCN confirms, then the BGH approves, never twice."""
    from app.core.authz import Role

    def waiting(user) -> str:  # type: ignore[no-untyped-def]
        page = login_as(user).get("/").text
        return page[page.index('id="todo-corrections"') :] if 'id="todo-corrections"' in page else ""

    _request(approved, gb, evidence=False)
    assert "Canary-A" in waiting(gb.gvcn) and "Yêu cầu điều chỉnh điểm chờ bạn (1)" in login_as(gb.gvcn).get("/").text
    assert waiting(gb.ht) == "" and waiting(gb.t1) == ""  # step 0 is the GVCN's; nobody decides their own
    corr = _correction(app)
    assert _decide(login_as(gb.gvcn), corr.id, corr.version).status_code == 303
    assert waiting(gb.gvcn) == "" and "Canary-A" in waiting(gb.ht)
    pht = make_user("pht", roles=(Role.VICE_PRINCIPAL,), full_name="Phó Hiệu Trưởng")
    assert "Canary-A" in waiting(pht)


def test_the_waiting_requests_are_counted_only_when_the_list_is_full(gb, approved, app, login_as) -> None:
    """`corrections_waiting_for` lists the first few; fewer than the limit are all of them
    (no count statement), a full list is counted in SQL: the same total either way."""
    from app.gradebook import queries
    from app.gradebook.models import GradeBook

    for student in gb.students_a1[:2]:
        data = {"student_id": student.id, "column": "gk", "new_value": "7,5", "reason": "Nhập nhầm điểm giữa kỳ"}
        response = approved.post(f"/gradebook/{gb.toan_a1}/corrections", data=data, content_type="multipart/form-data")
        assert response.status_code == 303

    with app.test_request_context():
        year_id = db.session.get(GradeBook, gb.toan_a1).school_class.year_id
        gvcn = db.session.merge(gb.gvcn)
        found = {limit: queries.corrections_waiting_for(gvcn, year_id, limit) for limit in (1, 2, 10)}
    assert {limit: (len(shown), total) for limit, (shown, total) in found.items()} == {1: (1, 2), 2: (2, 2), 10: (2, 2)}
