"""After a close: the class book answers 409 and changes only through the correction chain;
any applied correction — a score through the grade book's chain, or a homeroom value —
writes snapshot v2 with the corrections line (R16), v1 kept and marked superseded."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.core.workflow import Action
from app.extensions import db
from tests.results.conftest import snapshots_of


def _score_correction(as_user, ns, gradebook_id: int, student_id: int, column: str, new: str) -> None:  # type: ignore[no-untyped-def]
    from app.gradebook import queries
    from app.gradebook.models import CorrectionRequest
    from app.gradebook.services import corrections
    from app.gradebook.values import parse_column

    def ask(actor):  # type: ignore[no-untyped-def]
        handle = queries.get_gradebook_for(actor, gradebook_id)
        return corrections.request_correction(
            actor, handle, student_id, parse_column(column, 9), new, "Cộng sót điểm câu 3 (đã chấm lại)."
        ).id

    correction_id = as_user(ns.t1, ask)

    def decide(actor):  # type: ignore[no-untyped-def]
        c = db.session.get(CorrectionRequest, correction_id)
        handle = queries.get_gradebook_for(actor, gradebook_id)
        corrections.decide(actor, c, handle, Action.APPROVE, seen_version=c.version)

    as_user(ns.gvcn, decide)
    as_user(ns.ht, decide)


def test_a_score_correction_after_the_close_makes_v2_with_the_corrections_line(
    app, term_ready, as_user, audit_rows
) -> None:
    from app.results import snapshots

    ns = term_ready
    ns.close_hk1()
    sid = ns.ids[0]
    v1 = next(s for s in snapshots_of(app, ns.c10a1.id, "hk1") if s.student_id == sid)
    assert (
        v1.corrections_count == 0 and snapshots.corrections_line(v1.data) == "Trong bảng này không có chỗ nào sửa chữa."
    )
    _score_correction(as_user, ns, ns.toan_a1, sid, "gk", "9,5")  # 8 → 9,5: (4·8 + 2·9,5 + 3·8)/9 = 8,333… → 8,3

    every = snapshots_of(app, ns.c10a1.id, "hk1", current_only=False)
    mine = [s for s in every if s.student_id == sid]
    assert [(s.version, s.superseded) for s in mine] == [(1, True), (2, False)]
    assert mine[0].payload == v1.payload and mine[0].sha256 == v1.sha256  # v1 untouched
    v2 = mine[1]
    toan = next(x for x in v2.data["subjects"] if x["code"] == "TOAN")
    assert toan["terms"]["hk1"]["gk"] == "9.5" and toan["terms"]["hk1"]["result"] == "8.3"
    assert v2.corrections_count == 1 and v2.corrections_subjects == ["Toán"]
    assert snapshots.corrections_line(v2.data) == "Trong bảng này có sửa chữa ở 1 chỗ, thuộc các môn học Toán."
    assert v2.data["revision"]["cause"].startswith("score_correction:") and v2.data["close"] == v1.data["close"]
    # only this student got a new version
    assert sorted((s.student_id, s.version) for s in every if s.student_id != sid) == [(ns.ids[1], 1), (ns.ids[2], 1)]
    revised = audit_rows("result.snapshot_revised")
    assert len(revised) == 1 and revised[0][3]["version"] == [1, 2]
    from app.results import queries
    from app.school.models import SchoolYear

    with app.app_context():
        closes = queries.school_closes(db.session.get(SchoolYear, ns.year.id), "hk1")
        assert [r.school_class.name for r in closes.group("revised")] == ["10A1"] and closes.counts["revised"] == 1


def test_a_homeroom_edit_after_approval_is_409_and_only_the_correction_chain_changes_it(
    app, term_ready, login_as, as_user, audit_rows
) -> None:
    from app.homeroom.models import Conduct, HomeroomCorrection

    ns = term_ready
    ns.close_hk1()
    sid, base = ns.ids[1], f"/homeroom/{ns.c10a1.id}"
    gvcn = login_as(ns.gvcn)
    r = gvcn.htmx("POST", f"{base}/conduct", data={"student_id": sid, "term_id": ns.term1, "level": "K", "version": 1})
    assert r.status_code == 409
    assert "đã được hiệu trưởng duyệt và chốt" in r.text and "Đề nghị điều chỉnh" in r.text
    r = gvcn.post(f"{base}/remark", data={"student_id": sid, "term_id": ns.term1, "text": "Khác", "version": 1})
    assert r.status_code == 409
    r = gvcn.post(f"{base}/attendance", data={"student_id": sid, "day": "2024-10-01", "status": "excused"})
    assert r.status_code == 409
    page = gvcn.get(f"{base}?period=1")
    assert 'id="close-lock"' in page.text and 'hx-post="/homeroom/' not in page.text  # read-only cells

    # the correction chain: GVCN proposes with a reason → hiệu trưởng approves
    r = gvcn.post(
        f"{base}/corrections",
        data={
            "student_id": sid,
            "field": "conduct",
            "term_id": ns.term1,
            "level": "K",
            "reason": "Vi phạm nội quy ngày 12/12 chưa ghi.",
        },
    )
    assert r.status_code == 303, r.text
    with app.app_context():
        c = db.session.scalars(select(HomeroomCorrection)).one()
        cid, version = c.id, c.version
        assert (c.old_value, c.new_value, c.state) == ("T", "K", "submitted")
    assert (
        gvcn.post(f"/homeroom/corrections/{cid}/decide", data={"action": "approve", "version": version}).status_code
        == 403
    )
    ht = login_as(ns.ht)
    assert (
        ht.post(f"/homeroom/corrections/{cid}/decide", data={"action": "approve", "version": version}).status_code
        == 303
    )
    with app.app_context():
        assert db.session.scalars(select(Conduct).where(Conduct.student_id == sid)).one().level == "K"
    approved = audit_rows("homeroom_correction.approved")
    assert approved[0][3]["value"] == ["T", "K"] and approved[0][3]["applied_at"][0] is None
    changed = audit_rows("conduct.changed")[-1][3]
    assert changed["level"] == ["T", "K"] and changed["correction_id"] == cid
    mine = [s for s in snapshots_of(app, ns.c10a1.id, "hk1", current_only=False) if s.student_id == sid]
    assert [(s.version, s.superseded) for s in mine] == [(1, True), (2, False)]
    assert mine[1].data["conduct"] == {"hk1": "Khá"} and mine[1].data["homeroom_corrections"] == 1
    assert mine[1].data["revision"]["cause"] == f"homeroom_correction:{cid}"
    assert mine[1].corrections_count == 0  # R16's line counts the subjects' corrections


def test_a_correction_is_refused_where_nothing_is_closed_and_needs_a_reason(app, term_ready, as_user) -> None:
    from app.homeroom.locking import CorrectionTarget
    from app.homeroom.services import HomeroomError, corrections
    from app.school.models import SchoolClass, Term

    ns = term_ready

    def ask(reason):  # type: ignore[no-untyped-def]
        def run(actor):  # type: ignore[no-untyped-def]
            cls, term = db.session.get(SchoolClass, ns.c10a1.id), db.session.get(Term, ns.term1)
            target = CorrectionTarget("conduct", ns.ids[0], term)
            return corrections.request_correction(actor, cls, target, "K", reason, date(2025, 6, 1))

        return run

    with pytest.raises(HomeroomError, match="chưa được chốt: hãy sửa trực tiếp"):
        as_user(ns.gvcn, ask("Lý do"))
    ns.close_hk1()
    with pytest.raises(HomeroomError, match="Ghi rõ lý do"):
        as_user(ns.gvcn, ask("  "))


def test_attendance_of_an_open_term_stays_editable_after_hk1_closes(app, term_ready, login_as) -> None:
    ns = term_ready
    ns.close_hk1()
    gvcn = login_as(ns.gvcn)
    sid = ns.ids[0]
    url = f"/homeroom/{ns.c10a1.id}/attendance"
    assert gvcn.post(url, data={"student_id": sid, "day": "2025-01-15", "status": "excused"}).status_code == 409
    assert gvcn.post(url, data={"student_id": sid, "day": "2025-02-03", "status": "excused"}).status_code == 200


def test_snapshots_cannot_be_updated_or_deleted_by_the_orm_or_the_database(app, term_ready) -> None:
    from sqlalchemy import delete, text, update
    from sqlalchemy.exc import DatabaseError

    from app.results.models import ResultSnapshot, SnapshotTamperingError

    term_ready.close_hk1()
    with app.app_context():
        row = db.session.scalars(select(ResultSnapshot)).first()
        row.payload = "{}"
        with pytest.raises(SnapshotTamperingError):
            db.session.flush()
        db.session.rollback()
        row = db.session.scalars(select(ResultSnapshot)).first()
        db.session.delete(row)
        with pytest.raises(SnapshotTamperingError):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(SnapshotTamperingError):
            db.session.execute(update(ResultSnapshot).values(sha256="0" * 64))
        with pytest.raises(SnapshotTamperingError):
            db.session.execute(delete(ResultSnapshot))
        db.session.rollback()
        for sql in ("UPDATE result_snapshot SET sha256 = 'x'", "DELETE FROM result_snapshot"):
            with pytest.raises(DatabaseError, match="immutable"):
                with db.engine.begin() as conn:
                    conn.execute(text(sql))
        assert db.session.scalar(select(ResultSnapshot.sha256).limit(1)) != "x"


def test_correction_decisions_refuse_30_digit_versions_with_a_sentence(app, term_ready, login_as) -> None:
    from app.homeroom.models import HomeroomCorrection

    ns = term_ready
    ns.close_hk1()
    gvcn = login_as(ns.gvcn)
    data = {"student_id": ns.ids[0], "field": "remark", "term_id": ns.term1, "value": "Tiến bộ", "reason": "Ghi nhầm"}
    assert gvcn.post(f"/homeroom/{ns.c10a1.id}/corrections", data=data).status_code == 303
    with app.app_context():
        cid = db.session.scalars(select(HomeroomCorrection)).one().id
    huge = "9" * 30
    r = login_as(ns.ht).post(f"/homeroom/corrections/{cid}/decide", data={"action": "approve", "version": huge})
    assert r.status_code == 422 and "không hợp lệ" in r.text
    r = gvcn.post(f"/homeroom/corrections/{cid}/withdraw", data={"version": huge})
    assert r.status_code == 422 and "không hợp lệ" in r.text
    with app.app_context():
        assert db.session.scalars(select(HomeroomCorrection)).one().state == "submitted"
    assert gvcn.post(f"/homeroom/corrections/{cid}/withdraw", data={"version": 1}).status_code == 303


def test_a_correction_between_submission_and_approval_makes_the_approval_409(app, term_ready, as_user) -> None:
    """The approval binds to the document submitted (R15): a value corrected meanwhile means
    the close is returned and submitted again, never frozen with values nobody submitted."""
    from app.core.errors import ConflictError
    from tests.results.conftest import approve_close, submit_close

    ns = term_ready
    submit_close(as_user, ns.gvcn, ns.c10a1.id, "hk1")
    _score_correction(as_user, ns, ns.toan_a1, ns.ids[0], "ck", "9,0")
    with pytest.raises(ConflictError, match="đã thay đổi sau khi giáo viên chủ nhiệm nộp"):
        approve_close(as_user, ns.ht, ns.c10a1.id, "hk1")
    assert snapshots_of(app, ns.c10a1.id, "hk1") == []


def test_an_exemption_of_a_closed_term_is_refused_409(app, term_ready, as_user, make_subject, make_assignment) -> None:
    from app.homeroom import services
    from app.homeroom.locking import CloseLocked
    from app.school.models import AssessmentKind, SchoolClass, Subject, Term

    ns = term_ready
    gdtc = make_subject("Giáo dục thể chất", "GDTC", ns.dept_toan.id, kind=AssessmentKind.COMMENT, periods=70)
    make_assignment(ns.t1, ns.c10a1, gdtc)
    from tests.results.conftest import approve_book, enter, open_book, uniform

    gdtc_book = open_book(as_user, ns.t1, ns.c10a1.id, gdtc.id, ns.term1)
    enter(as_user, ns.t1, gdtc_book, uniform(ns.ids, "Đ", 2))
    approve_book(as_user, ns.t1, ns.tt_toan, ns.ht, gdtc_book)
    ns.close_hk1()

    def ask(term_id):  # type: ignore[no-untyped-def]
        def run(actor):  # type: ignore[no-untyped-def]
            cls = db.session.get(SchoolClass, ns.c10a1.id)
            term = db.session.get(Term, term_id) if term_id else None
            return services.request_exemption(actor, cls, ns.ids[0], db.session.get(Subject, gdtc.id), term, "Gãy tay")

        return run

    with pytest.raises(CloseLocked, match="Học kỳ I của lớp 10A1 đã được hiệu trưởng duyệt"):
        as_user(ns.gvcn, ask(ns.term1))
    with pytest.raises(CloseLocked):
        as_user(ns.gvcn, ask(None))  # the whole year includes the closed term
    assert as_user(ns.gvcn, lambda a: ask(ns.term2)(a).id)  # HK II is still open
