"""The grade grid over HTTP: who reads, who writes, cell saves (200/422/409/403/404),
both response shapes, scoped forms, paste batches all-or-nothing (SECURITY.md 2–5, 14, 15)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gradebook.conftest import post_cell


def test_assigned_teacher_sees_grid_with_students_in_vietnamese_order(gb, login_as) -> None:
    c = login_as(gb.t1)
    page = c.get(f"/gradebook/{gb.toan_a1}")
    assert page.status_code == 200
    assert "<html" in page.text
    assert page.text.index("Canary-A01") < page.text.index("Canary-A02") < page.text.index("Canary-A03")
    # Toán has 140 periods/year → 4 ĐĐGtx columns, plus GK and CK
    for col in ("tx1", "tx2", "tx3", "tx4", "gk", "ck"):
        assert f'id="in-{gb.students_a1[0].id}-{col}"' in page.text
    assert f'id="in-{gb.students_a1[0].id}-tx5"' not in page.text
    assert "Canary-B" not in page.text
    fragment = c.htmx("GET", f"/gradebook/{gb.toan_a1}")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "HX-Request" in fragment.headers["Vary"]
    assert f'id="gradebook-{gb.toan_a1}-grid"' in fragment.text


@pytest.mark.parametrize("who", ["tt_toan", "gvcn", "ht"])
def test_readers_see_the_grid_read_only(gb, login_as, who) -> None:
    page = login_as(getattr(gb, who)).get(f"/gradebook/{gb.toan_a1}")
    assert page.status_code == 200
    assert "Canary-A01" in page.text
    assert 'class="cell-input"' not in page.text


@pytest.mark.parametrize("who", ["t2", "gv_van", "tt_van"])
def test_anyone_else_gets_404_on_read_and_write(gb, login_as, who, audit_rows) -> None:
    c = login_as(getattr(gb, who))
    page = c.get(f"/gradebook/{gb.toan_a1}")
    assert page.status_code == 404
    assert "Canary" not in page.text
    write = post_cell(c, gb.toan_a1, gb.students_a1[0].id, "tx1", "8", 0)
    assert write.status_code in (403, 404)  # tt_van has no TEACHER-assigned grid: 404 too
    assert write.status_code == 404
    denied = audit_rows("authz.denied")
    assert ("authz.denied", "gradebook", str(gb.toan_a1)) in [d[:3] for d in denied]


@pytest.mark.parametrize("who", ["tt_toan", "gvcn"])
def test_readers_who_are_teachers_get_403_on_write(gb, login_as, who, cell) -> None:
    r = post_cell(login_as(getattr(gb, who)), gb.toan_a1, gb.students_a1[0].id, "tx1", "8", 0)
    assert r.status_code == 403
    assert cell(gb.toan_a1, gb.students_a1[0].id, "tx1") == (None, 0)


@pytest.mark.parametrize("who", ["ht", "admin"])
def test_principal_and_admin_cannot_write_scores(gb, login_as, who, cell) -> None:
    r = post_cell(login_as(getattr(gb, who)), gb.toan_a1, gb.students_a1[0].id, "tx1", "8", 0)
    assert r.status_code == 403
    assert cell(gb.toan_a1, gb.students_a1[0].id, "tx1") == (None, 0)


def test_cell_save_returns_the_cell_and_the_row_average_out_of_band(gb, login_as, cell, audit_rows) -> None:
    c = login_as(gb.t1)
    sid = gb.students_a1[0].id
    values = {"tx1": "8", "tx2": "7", "tx3": "9", "tx4": "6,5", "gk": "7.5"}
    for col, v in values.items():
        assert post_cell(c, gb.toan_a1, sid, col, v, 0).status_code == 200
    r = post_cell(c, gb.toan_a1, sid, "ck", "8,0", 0)
    assert r.status_code == 200
    assert "<html" not in r.text
    assert f'id="cell-{sid}-ck"' in r.text
    assert 'value="8,0"' in r.text
    assert f'id="avg-{sid}"' in r.text and 'hx-swap-oob="true"' in r.text
    assert ">7,7" in r.text  # DOMAIN.md worked example: 69,5 / 9 = 7,72… → 7,7
    assert cell(gb.toan_a1, sid, "tx4") == (Decimal("6.5"), 1)
    changes = audit_rows("grade.changed")
    assert len(changes) == 6
    assert changes[-1][3]["value"] == [None, "8.0"] and changes[-1][3]["column"] == "ck"


@pytest.mark.parametrize(
    "raw",
    ["11", "-1", "7.25", "abc", "10.01", "NaN", "inf", "1e1", "８", "\u200b7", "7,5,1", "7,55"],
)
def test_invalid_values_are_refused_with_the_reason_in_the_cell(gb, login_as, raw, cell, db_digest) -> None:
    before = db_digest()
    r = post_cell(login_as(gb.t1), gb.toan_a1, gb.students_a1[0].id, "tx1", raw, 0)
    assert r.status_code == 422
    assert 'class="cell-error"' in r.text and 'role="alert"' in r.text
    assert "<html" not in r.text
    assert db_digest() == before


def test_decimal_comma_is_accepted_and_stored_exactly(gb, login_as, cell) -> None:
    r = post_cell(login_as(gb.t1), gb.toan_a1, gb.students_a1[0].id, "gk", "7,5", 0)
    assert r.status_code == 200
    assert cell(gb.toan_a1, gb.students_a1[0].id, "gk") == (Decimal("7.5"), 1)


def test_blank_and_zero_are_different(gb, login_as, cell) -> None:
    c = login_as(gb.t1)
    sid = gb.students_a1[0].id
    assert post_cell(c, gb.toan_a1, sid, "tx1", "0", 0).status_code == 200
    assert cell(gb.toan_a1, sid, "tx1") == (Decimal("0.0"), 1)
    assert post_cell(c, gb.toan_a1, sid, "tx1", "", 1).status_code == 200  # delete the score
    assert cell(gb.toan_a1, sid, "tx1") == (None, 2)


def test_stale_version_gets_409_with_the_current_value_shown(gb, login_as, cell) -> None:
    c = login_as(gb.t1)
    sid = gb.students_a1[0].id
    assert post_cell(c, gb.toan_a1, sid, "tx1", "8,5", 0).status_code == 200
    loser = post_cell(c, gb.toan_a1, sid, "tx1", "7", 0)  # the other tab still shows version 0
    assert loser.status_code == 409
    assert 'value="8,5"' in loser.text and "chưa được lưu" in loser.text
    assert cell(gb.toan_a1, sid, "tx1") == (Decimal("8.5"), 1)
    again = post_cell(c, gb.toan_a1, sid, "tx1", "7", 1)
    assert again.status_code == 200
    assert cell(gb.toan_a1, sid, "tx1") == (Decimal("7.0"), 2)


def test_student_or_column_outside_the_grid_is_404_and_audited(gb, login_as, audit_rows, db_digest) -> None:
    c = login_as(gb.t1)
    before = db_digest()
    foreign = gb.students_a2[0].id
    assert post_cell(c, gb.toan_a1, foreign, "tx1", "8", 0).status_code == 404
    assert post_cell(c, gb.toan_a1, gb.students_a1[0].id, "tx5", "8", 0).status_code == 404
    assert post_cell(c, gb.toan_a1, gb.students_a1[0].id, "tb", "8", 0).status_code == 404
    denied = [d[:3] for d in audit_rows("authz.denied")]
    assert ("authz.denied", "student", str(foreign)) in denied
    assert db_digest() == before


def test_extra_fields_are_ignored(gb, login_as, cell, audit_rows) -> None:
    """SECURITY.md 4: mass assignment — only the declared fields count."""
    c = login_as(gb.t1)
    sid = gb.students_a1[0].id
    r = post_cell(
        c,
        gb.toan_a1,
        sid,
        "tx1",
        "8",
        0,
        state="approved",
        locked="0",
        teacher_id=gb.t2.id,
        updated_by_id=gb.t2.id,
        gradebook_id=gb.toan_a2,
    )
    assert r.status_code == 200
    assert cell(gb.toan_a1, sid, "tx1") == (Decimal("8.0"), 1)
    assert cell(gb.toan_a2, sid, "tx1") == (None, 0)
    assert not [a for a in audit_rows() if a[0].startswith("gradebook.") and a[0] != "gradebook.opened"]


def test_comment_subject_takes_d_and_cd(gb, login_as, make_subject, make_assignment, cell) -> None:
    from app.school.models import AssessmentKind

    gdtc = make_subject("Giáo dục thể chất", "GDTC", kind=AssessmentKind.COMMENT, periods=70)
    make_assignment(gb.t1, gb.c10a1, gdtc)
    book = gb.open_book(gb.t1, gb.c10a1, gdtc, gb.term1)
    c = login_as(gb.t1)
    sid = gb.students_a1[0].id
    page = c.get(f"/gradebook/{book}")
    assert f'id="in-{sid}-tx2"' in page.text and f'id="in-{sid}-tx3"' not in page.text  # 2 tx
    for col, v in (("tx1", "Đ"), ("tx2", "d"), ("gk", "CD"), ("ck", "đạt")):
        assert post_cell(c, book, sid, col, v, 0).status_code == 200
    assert cell(book, sid, "gk") == ("CD", 1)
    bad = post_cell(c, book, sid, "tx1", "8", 1)
    assert bad.status_code == 422 and "Đ (Đạt) hoặc CĐ" in bad.text
    last = post_cell(c, book, sid, "gk", "Đ", 1)
    assert last.status_code == 200 and ">Đ<" in last.text.replace(" ", "")  # R5 term result


def test_teacher_comment_per_student_is_versioned(gb, login_as, audit_rows) -> None:
    c = login_as(gb.t1)
    sid = gb.students_a1[0].id
    url = f"/gradebook/{gb.toan_a1}/comments"
    r = c.htmx("POST", url, data={"student_id": sid, "text": "Tiến bộ rõ", "version": 0})
    assert r.status_code == 200 and 'value="Tiến bộ rõ"' in r.text
    stale = c.htmx("POST", url, data={"student_id": sid, "text": "Khác", "version": 0})
    assert stale.status_code == 409 and 'value="Tiến bộ rõ"' in stale.text
    foreign = c.htmx("POST", url, data={"student_id": gb.students_a2[0].id, "text": "x", "version": 0})
    assert foreign.status_code == 404
    assert [a[3]["comment"] for a in audit_rows("grade.comment_changed")] == [["", "Tiến bộ rõ"]]


def test_non_htmx_cell_post_still_answers(gb, login_as) -> None:
    r = post_cell(login_as(gb.t1), gb.toan_a1, gb.students_a1[0].id, "tx1", "8", 0, htmx=False)
    assert r.status_code == 200


def test_csrf_is_required_on_cell_save(gb, login_as, cell) -> None:
    c = login_as(gb.t1)
    r = c.post(
        f"/gradebook/{gb.toan_a1}/cells",
        csrf=False,
        data={"student_id": gb.students_a1[0].id, "column": "tx1", "value": "8", "version": 0},
    )
    assert r.status_code == 400
    assert cell(gb.toan_a1, gb.students_a1[0].id, "tx1") == (None, 0)


def test_removed_assignment_takes_effect_at_once(gb, login_as, app) -> None:
    from app.extensions import db
    from app.school import services as school
    from app.school.models import TeachingAssignment

    c = login_as(gb.t1)
    assert c.get(f"/gradebook/{gb.toan_a1}").status_code == 200
    with app.app_context():
        a = db.session.query(TeachingAssignment).filter_by(class_id=gb.c10a1.id, subject_id=gb.toan.id).one()
        school.remove_assignment(None, a)
        db.session.commit()
    assert c.get(f"/gradebook/{gb.toan_a1}").status_code == 404
    assert post_cell(c, gb.toan_a1, gb.students_a1[0].id, "tx1", "8", 0).status_code == 404


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(book_id=st.integers(min_value=1, max_value=10**9))
def test_random_foreign_ids_answer_404_without_leaking(gb, login_as, book_id) -> None:
    """SECURITY.md 2: any grade book id but T1's own is a 404 with no canary of 10A2."""
    c = login_as(gb.t1)
    for url in (
        f"/gradebook/{book_id}",
        f"/gradebook/{book_id}/history",
        f"/gradebook/{book_id}/export.xlsx",
        f"/gradebook/corrections/{book_id}",
    ):
        r = c.get(url)
        if book_id == gb.toan_a1 and "corrections" not in url:
            assert r.status_code == 200
            continue
        assert r.status_code == 404, url
        assert "Canary-B" not in r.get_data(as_text=True)
