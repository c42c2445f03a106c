"""The parent page: one child's published points only, across a whole class."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.parents.views.common import PLAIN_404
from tests.parents.conftest import (
    NAMES,
    OTHER,
    issue,
    open_as_parent,
    remark_of,
    score_of,
    tiny_pdf,
    write_snapshot,
)


def _release(as_user, user, class_id, period="hk1"):  # type: ignore[no-untyped-def]
    from app.parents import queries, services

    as_user(user, lambda a: services.release_point(a, queries.managed_class(a, class_id), period, ""))


def _vn(score: str) -> str:
    return score.replace(".", ",")


def test_every_parent_page_of_a_class_shows_only_its_own_child(app, parents_school, as_user) -> None:
    ns = parents_school
    app.config["SODIENTU_PARENT_FAIL_RATE"] = "1000 per minute"  # this test probes on purpose
    _release(as_user, ns.gvcn, ns.cls.id)
    everyone = NAMES + OTHER
    for i, student in enumerate(ns.students):
        client = app.test_client()
        assert open_as_parent(client, issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[student.id])).status_code == 303
        pages = [client.get("/p/view")]
        pages += [client.get(f"/p/view/{ns.snapshots[(student.id, k)]}") for k in ("month", "hk1")]
        for page in pages:
            assert page.status_code == 200
            body = page.get_data(as_text=True)
            assert student.full_name in body
            others = [n for n in everyone if n != student.full_name]
            assert [n for n in others if n in body] == []
            assert [n for n in others if remark_of(n) in body] == []
            assert [j for j in range(len(everyone)) if j != i and j != i + 10 and _vn(score_of(j)) in body] == []
        sheet = pages[1].get_data(as_text=True)
        assert remark_of(student.full_name) in sheet and _vn(score_of(i)) in sheet
        # another child's snapshot, of this class or another: the plain 404
        for other in [s for s in ns.students + ns.others if s.id != student.id]:
            refused = client.get(f"/p/view/{ns.snapshots[(other.id, 'month')]}")
            assert refused.status_code == 404 and refused.get_data(as_text=True) == PLAIN_404
            assert client.get(f"/p/view/{ns.snapshots[(other.id, 'month')]}/pdf").status_code == 404


def test_a_superseded_point_gives_way_to_its_new_version(app, parents_school, as_user) -> None:
    from app.results.models import SnapshotSupersession
    from app.school.models import SchoolClass, SchoolYear, Student

    ns = parents_school
    student = ns.students[0]
    old = ns.snapshots[(student.id, "month")]
    with app.test_request_context("/", method="POST"):  # as a republished month writes them
        cls, year = db.session.get(SchoolClass, ns.cls.id), db.session.get(SchoolYear, ns.year.id)
        new = write_snapshot(db.session.get(Student, student.id), cls, year, "month", 20, version=2)
        db.session.add(SnapshotSupersession(snapshot_id=old, superseded_by_id=new, cause="month_republished"))
        db.session.commit()
    client = app.test_client()
    open_as_parent(client, issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[student.id]))
    page = client.get("/p/view").get_data(as_text=True)
    assert f'href="/p/view/{new}"' in page and f'href="/p/view/{old}"' not in page
    assert client.get(f"/p/view/{new}").status_code == 200
    assert client.get(f"/p/view/{old}").status_code == 404


def test_minimal_identity_no_national_id_address_or_ethnicity(app, parents_school, as_user, make_student) -> None:
    ns = parents_school
    client = app.test_client()
    open_as_parent(client, issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id]))
    body = client.get("/p/view").get_data(as_text=True) + client.get(
        f"/p/view/{ns.snapshots[(ns.students[0].id, 'month')]}"
    ).get_data(as_text=True)
    for word in ("định danh", "Dân tộc", "dân tộc", "Chỗ ở", "Nơi sinh"):
        assert word not in body


def test_a_term_shows_only_once_released_a_published_month_at_once(app, parents_school, as_user) -> None:
    ns = parents_school
    s = ns.students[0]
    client = app.test_client()
    open_as_parent(client, issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[s.id]))
    view = client.get("/p/view").get_data(as_text=True)
    assert "Tháng 10/2024" in view and "Học kỳ I" not in view
    assert client.get(f"/p/view/{ns.snapshots[(s.id, 'hk1')]}").status_code == 404
    _release(as_user, ns.gvcn, ns.cls.id)
    assert "Học kỳ I" in client.get("/p/view").get_data(as_text=True)
    assert client.get(f"/p/view/{ns.snapshots[(s.id, 'hk1')]}").status_code == 200


def test_the_progress_chart_is_inline_svg_of_own_scores(app, parents_school, as_user) -> None:
    ns = parents_school
    _release(as_user, ns.gvcn, ns.cls.id)
    client = app.test_client()
    open_as_parent(client, issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[ns.students[0].id]))
    body = client.get("/p/view").get_data(as_text=True)
    assert '<svg viewBox="0 0 320 140"' in body and body.count("<circle") == 2
    assert "<script" not in body and "trung bình lớp" not in body.lower() and "xếp hạng" not in body.lower()


def test_acknowledgement_once_with_a_reply_audited_and_shown_to_the_gvcn(
    app, parents_school, as_user, login_as
) -> None:
    from app.audit.models import AuditEvent
    from app.parents.models import ParentAck

    ns = parents_school
    s = ns.students[1]
    client = app.test_client()
    open_as_parent(client, issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[s.id]))
    snap = ns.snapshots[(s.id, "month")]
    assert "Đã xem" in client.get(f"/p/view/{snap}").get_data(as_text=True)
    too_long = client.post(f"/p/view/{snap}/ack", data={"reply": "x" * 501})
    assert too_long.status_code == 422 and "Lời nhắn tối đa 500 ký tự" in too_long.get_data(as_text=True)
    r = client.post(f"/p/view/{snap}/ack", data={"reply": "Gia đình cảm ơn cô."})
    assert r.status_code == 303
    assert "Gia đình đã xác nhận đã xem" in client.get(f"/p/view/{snap}").get_data(as_text=True)
    again = client.post(f"/p/view/{snap}/ack", data={"reply": ""})
    assert again.status_code == 409 and "đã xác nhận đã xem" in again.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(ParentAck)).all()) == 1
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "parent_ack.created")).one()
        assert event.actor_id is None and event.actor_role == "phu_huynh"
        assert "cảm ơn" not in str(event.changes)
    page = login_as(ns.gvcn).get(f"/parents/classes/{ns.cls.id}").get_data(as_text=True)
    assert "Đã xem" in page and "Gia đình cảm ơn cô." in page and "(1 lần)" in page


def test_the_issued_pdf_downloads_when_one_exists(app, parents_school, as_user) -> None:
    from app.reports.models import IssuedDocument

    ns = parents_school
    s = ns.students[0]
    snap = ns.snapshots[(s.id, "month")]
    data = tiny_pdf(s.full_name)

    def store(_a):  # type: ignore[no-untyped-def]
        import hashlib

        from app.core import files

        staged = files.stage_bytes(data, db.session())
        db.session.add(
            IssuedDocument(
                kind="bao_lien_lac", student_id=s.id, class_id=ns.cls.id, year_id=ns.year.id, period="month",
                period_ref="2026-10", slot=f"bao_lien_lac:s{s.id}:c{ns.cls.id}:month:2026-10",
                source_key=hashlib.sha256(b"k").hexdigest(), sources=[{"id": snap, "sha256": "0" * 64}],
                file_name="bao-lien-lac.pdf", sha256=staged.sha256, size=len(data), code="TEST-0001",
            )
        )  # fmt: skip

    as_user(None, store)
    client = app.test_client()
    open_as_parent(client, issue(as_user, ns.gvcn, ns.cls.id, ns.guardians[s.id]))
    assert "Tải báo liên lạc (PDF)" in client.get(f"/p/view/{snap}").get_data(as_text=True)
    r = client.get(f"/p/view/{snap}/pdf")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/pdf"
    assert r.data.startswith(data) and len(r.data) > len(data)  # the issued file, then the line
    assert "attachment" in r.headers["Content-Disposition"]
    r.close()
    hk1 = ns.snapshots[(s.id, "hk1")]
    _release(as_user, ns.gvcn, ns.cls.id)
    assert client.get(f"/p/view/{hk1}/pdf").status_code == 404  # nothing issued for this point
