"""The close's pages and their authorization: the GVCN of another class and a subject
teacher get 404, only the hiệu trưởng (or a phó hiệu trưởng when the school delegates)
approves, the checklist shows the blockers and the progress, the hiệu trưởng's list counts
the classes by state, the snapshot history shows versions."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from tests.results.conftest import snapshots_of, submit_close


@pytest.fixture
def other_gvcn(term_ready, make_user, app):  # type: ignore[no-untyped-def]
    from app.school import services as school
    from app.school.models import SchoolClass

    user = make_user("gvcn2", full_name="Đinh Thị Chủ Nhiệm Hai")
    with app.app_context():
        school.set_homeroom_teacher(None, db.session.get(SchoolClass, term_ready.c10a2.id), user.id)
        db.session.commit()
    return user


def test_the_gvcn_of_another_class_gets_404_everywhere(app, term_ready, other_gvcn, login_as) -> None:
    ns = term_ready
    ns.close_hk1()
    c = login_as(other_gvcn)
    base = f"/results/{ns.c10a1.id}/hk1"
    for url in (base, f"{base}/review", f"/results/{ns.c10a1.id}/students/{ns.ids[0]}"):
        assert c.get(url).status_code == 404, url
    assert c.post(f"{base}/submit", data={"attendance_confirmed": "y"}).status_code == 404
    # their own class is theirs
    assert c.get(f"/results/{ns.c10a2.id}/hk1").status_code == 200


def test_a_subject_teacher_cannot_close_the_class(app, term_ready, login_as) -> None:
    ns = term_ready
    c = login_as(ns.t1)  # teaches Toán in 10A1, is not its GVCN
    assert c.get(f"/results/{ns.c10a1.id}/hk1").status_code == 404
    assert c.post(f"/results/{ns.c10a1.id}/hk1/submit", data={"attendance_confirmed": "y"}).status_code == 404
    assert snapshots_of(app, ns.c10a1.id, "hk1") == []


def test_only_the_principal_approves_unless_the_school_delegates(app, term_ready, login_as, make_user) -> None:
    from app.core.authz import Role
    from app.results import queries
    from app.school.models import SchoolClass

    ns = term_ready
    pht = make_user("pht", roles=(Role.VICE_PRINCIPAL,), full_name="Lý Thị Phó Hiệu Trưởng")
    submit_close(app_user(app), ns.gvcn, ns.c10a1.id, "hk1")
    with app.app_context():
        version = queries.close_record_or_404(db.session.get(SchoolClass, ns.c10a1.id), "hk1").version
    url = f"/results/{ns.c10a1.id}/hk1/approve"
    assert login_as(ns.gvcn).post(url, data={"version": version}).status_code == 403
    assert login_as(pht).post(url, data={"version": version}).status_code == 403
    assert snapshots_of(app, ns.c10a1.id, "hk1") == []
    r = login_as(ns.ht).post(url, data={"version": version})
    assert r.status_code == 303
    assert len(snapshots_of(app, ns.c10a1.id, "hk1")) == 3


def app_user(app):  # type: ignore[no-untyped-def]
    """as_user without the fixture (for helpers taking it)."""
    from app.accounts.models import User

    def run(user, fn):  # type: ignore[no-untyped-def]
        with app.test_request_context("/", method="POST"):
            result = fn(db.session.get(User, user.id))
            db.session.commit()
            return result

    return run


def test_a_vice_principal_approves_when_the_school_delegates(app, term_ready, login_as, make_user) -> None:
    from app.core.authz import Role
    from app.results import queries
    from app.school.models import School, SchoolClass

    ns = term_ready
    with app.app_context():
        db.session.add(
            School(name="THCS Thử", code="T01", level="THCS", province="Trà Vinh", close_delegate_allowed=True)
        )
        db.session.commit()
    pht = make_user("pht", roles=(Role.VICE_PRINCIPAL,), full_name="Lý Thị Phó Hiệu Trưởng")
    submit_close(app_user(app), ns.gvcn, ns.c10a1.id, "hk1")
    with app.app_context():
        record = queries.close_record_or_404(db.session.get(SchoolClass, ns.c10a1.id), "hk1")
        assert record.chain == ["bgh"]
        version = record.version
    r = login_as(pht).post(f"/results/{ns.c10a1.id}/hk1/approve", data={"version": version})
    assert r.status_code == 303
    snaps = snapshots_of(app, ns.c10a1.id, "hk1")
    assert len(snaps) == 3 and snaps[0].data["close"]["approved_by"] == "Lý Thị Phó Hiệu Trưởng"
    assert snaps[0].data["names"]["hieu_truong"] == "Ngô Văn Hiệu Trưởng"  # the hiệu trưởng of the year


def test_the_checklist_shows_blockers_progress_and_submits(app, gb, login_as, as_user) -> None:
    from tests.results.conftest import approve_book, enter, homeroom_term, uniform

    ids = [s.id for s in gb.students_a1]
    c = login_as(gb.gvcn)
    url = f"/results/{gb.c10a1.id}/hk1"
    page = c.get(url)
    assert page.status_code == 200
    assert "Danh mục kiểm tra" in page.text and re.search(
        r'<progress id="close-progress" max="6" value="\d"', page.text
    )
    assert "Toán · Học kỳ I: chưa nộp duyệt." in page.text and "người cần làm: Lê Văn Toán Một" in page.text
    assert f'href="/gradebook/{gb.toan_a1}"' in page.text
    assert "disabled" in page.text.split('id="submit-close"')[1]
    r = c.post(f"{url}/submit", data={"attendance_confirmed": "y"})
    assert r.status_code == 422 and "Chưa nộp được" in r.text

    enter(as_user, gb.t1, gb.toan_a1, uniform(ids, "8", 4))
    enter(as_user, gb.gv_van, gb.van_a1, uniform(ids, "7", 4))
    approve_book(as_user, gb.t1, gb.tt_toan, gb.ht, gb.toan_a1)
    approve_book(as_user, gb.gv_van, gb.tt_van, gb.ht, gb.van_a1)
    homeroom_term(as_user, gb.gvcn, gb.c10a1.id, gb.term1, ids)
    page = c.get(url)
    assert 'value="6"' in page.text and "(100%)" in page.text
    r = c.post(f"{url}/submit", data={})
    assert r.status_code == 422 and "xác nhận đã điểm danh đầy đủ" in r.text
    r = c.post(f"{url}/submit", data={"attendance_confirmed": "y", "note": "Đã kiểm tra đủ."})
    assert r.status_code == 303
    page = c.get(url)
    assert "Đã nộp, chờ hiệu trưởng duyệt" in page.text
    # the hiệu trưởng: the home page lists it, the review page shows the summary to freeze
    ht = login_as(gb.ht)
    home = ht.get("/")
    assert 'id="todo-closes"' in home.text and f"/results/{gb.c10a1.id}/hk1/review" in home.text
    review = ht.get(f"{url}/review")
    assert review.status_code == 200 and 'id="close-summary"' in review.text and "Duyệt và chốt kết quả" in review.text
    assert "Nguyễn Canary-A01 Bích" in review.text
    r = ht.post(f"{url}/return", data={"version": re.search(r'name="version" value="(\d+)"', review.text)[1]})
    assert r.status_code == 422 and "ghi rõ lý do" in r.text
    version = re.search(r'name="version" value="(\d+)"', review.text)[1]
    assert ht.post(f"{url}/approve", data={"version": version}).status_code == 303
    assert ht.post(f"{url}/approve", data={"version": version}).status_code == 409  # a double click
    assert len(snapshots_of(app, gb.c10a1.id, "hk1")) == 3
    assert "Đã duyệt và chốt" in c.get(url).text


def test_the_principal_list_counts_classes_by_close_state(app, term_ready, login_as) -> None:
    ns = term_ready
    ht = login_as(ns.ht)
    page = ht.get("/results/?period=hk1")
    assert re.findall(r'<span class="tile-figure">(\d+)</span>', page.text) == ["2", "0", "0", "0"]
    ns.close_hk1()
    page = ht.get("/results/?period=hk1")
    figures = re.findall(r'<span class="tile-figure">(\d+)</span>', page.text)
    assert figures == ["1", "0", "1", "0"]  # chưa đủ / chờ duyệt / đã duyệt / có điều chỉnh
    assert 'data-class="10A1"' in page.text.split('id="group-approved"')[1].split("</section>")[0]


def test_the_snapshot_history_shows_versions_and_verifies(app, term_ready, login_as) -> None:
    ns = term_ready
    ns.close_hk1()
    for who in (ns.gvcn, ns.ht):
        page = login_as(who).get(f"/results/{ns.c10a1.id}/students/{ns.ids[0]}")
        assert page.status_code == 200
        assert "v1" in page.text and "hiện hành" in page.text and "khớp" in page.text
        assert "Trong bảng này không có chỗ nào sửa chữa." in page.text


def test_pages_answer_404_for_an_unknown_period(app, term_ready, login_as) -> None:
    c = login_as(term_ready.gvcn)
    assert c.get(f"/results/{term_ready.c10a1.id}/hk3").status_code == 404
    assert c.get(f"/results/{term_ready.c10a1.id}/hk1/review").status_code == 404  # never submitted


def test_the_records_queue_decides_the_same_close_and_writes_the_snapshots(
    app, term_ready, login_as, audit_rows
) -> None:
    """The close is a records record: the hiệu trưởng may approve it from the records pages
    too, with the same effect (the snapshots) and the same audit rows."""
    from app.results import queries
    from app.school.models import SchoolClass

    ns = term_ready
    submit_close(app_user(app), ns.gvcn, ns.c10a1.id, "hk1")
    with app.app_context():
        record = queries.close_record_or_404(db.session.get(SchoolClass, ns.c10a1.id), "hk1")
        record_id, version = record.id, record.version
    ht = login_as(ns.ht)
    assert "Kết quả học kỳ I lớp 10A1" in ht.get("/records/review").text
    detail = ht.get(f"/records/{record_id}")
    assert detail.status_code == 200 and "ket-qua-10A1-hk1.json" in detail.text
    assert ht.post(f"/records/{record_id}/approve", data={"version": version}).status_code == 303
    snaps = snapshots_of(app, ns.c10a1.id, "hk1")
    assert len(snaps) == 3 and snaps[0].data["close"]["record_id"] == record_id
    actions = [a[0] for a in audit_rows() if a[2] == str(record_id)]
    assert actions[-2:] == ["record.approved", "result.closed"]
    timeline = ht.get(f"/audit/timeline/result_snapshot/{snaps[0].id}")
    assert timeline.status_code == 200  # the snapshot is a subject the audit screens know
