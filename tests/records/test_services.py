"""Record services: every move of the state machine, its audit event, R14 and R15."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from werkzeug.exceptions import Forbidden

from app.core.authz import Role
from app.core.workflow import WorkflowConflict
from app.extensions import db
from app.records import queries, services
from app.records.models import Record, version_hash
from app.records.services import RecordError, resolve_chain
from app.records.uploads import stage_bytes
from tests.records import samples


def act(as_user, user, record_id, verb, **kw):  # type: ignore[no-untyped-def]
    """Run services.<verb>(actor, record, seen_version=<current>, **kw) as `user`."""

    def go(actor):  # type: ignore[no-untyped-def]
        record = db.session.get(Record, record_id)
        kw.setdefault("seen_version", record.version)
        return getattr(services, verb)(actor, record, **kw)

    return as_user(user, go)


def events(audit_tail, before):  # type: ignore[no-untyped-def]
    return [a for a, *_ in audit_tail(before)]


def test_create_record_makes_a_draft_with_its_first_version(rec, make_record, load, audit_tail, head_seq, app) -> None:
    before = head_seq()
    record_id = make_record(lesson_date=date(2024, 10, 10))
    record = load(record_id)
    assert record.state == "draft" and record.version == 1 and record.step == 0
    assert record.due_date == date(2024, 10, 8)  # kế hoạch bài dạy: 2 days before the lesson
    assert record.department_id == rec.dept_toan.id
    (version,) = record.versions
    assert version.content_hash == version_hash([f.sha256 for f in version.files])
    assert events(audit_tail, before) == ["record.created"]
    with app.app_context():
        from app.audit.services import history

        (event,) = history(("record", record_id))
        assert event.file_sha256 == version.content_hash


def test_submit_approve_approve_makes_the_record_final(rec, make_record, as_user, load, audit_tail, head_seq) -> None:
    record_id = make_record()
    before = head_seq()
    act(as_user, rec.t1, record_id, "submit_record")
    record = load(record_id)
    assert (record.state, record.step, record.awaiting) == ("submitted", 0, "to_truong")
    assert record.chain == ["to_truong", "bgh"] and record.submitted_at is not None
    assert events(audit_tail, before) == ["record.submitted"]

    before = head_seq()
    act(as_user, rec.tt_toan, record_id, "approve_record", comment="Tốt")
    record = load(record_id)
    assert (record.state, record.step, record.awaiting) == ("submitted", 1, "bgh")
    assert events(audit_tail, before) == ["record.approved"]
    (approval,) = record.current_approvals()
    assert approval.actor_id == rec.tt_toan.id
    assert approval.version_hash == record.current_version.content_hash

    before = head_seq()
    act(as_user, rec.ht, record_id, "approve_record")
    record = load(record_id)
    assert record.state == "approved" and record.is_final and record.finalized_at is not None
    assert record.awaiting is None
    assert [d.action for d in record.decisions] == ["submit", "approve", "approve"]
    assert events(audit_tail, before) == ["record.approved"]


def test_return_needs_a_comment_and_a_new_version_resets_approvals(
    rec, make_record, as_user, load, audit_tail, head_seq
) -> None:
    record_id = make_record(submit=True)
    with pytest.raises(WorkflowConflict):
        act(as_user, rec.tt_toan, record_id, "return_record", comment="  ")
    act(as_user, rec.tt_toan, record_id, "return_record", comment="Thiếu phần vận dụng")
    record = load(record_id)
    assert record.state == "returned" and record.awaiting is None
    first_files = [(f.sha256, f.original_name) for f in record.versions[0].files]
    with pytest.raises(RecordError, match="phiên bản đã sửa"):  # same version again: no
        act(as_user, rec.t1, record_id, "submit_record")

    before = head_seq()

    def new_version(actor):  # type: ignore[no-untyped-def]
        r = db.session.get(Record, record_id)
        stored = [stage_bytes("giao-an-v2.pdf", samples.pdf(text="v2"))]
        return services.add_version(actor, r, seen_version=r.version, files=stored, note="Đã thêm phần vận dụng").number

    assert as_user(rec.t1, new_version) == 2
    assert events(audit_tail, before) == ["record.version_added"]
    act(as_user, rec.t1, record_id, "submit_record")
    record = load(record_id)
    assert record.state == "submitted" and record.step == 0
    assert record.current_approvals() == []
    assert [(f.sha256, f.original_name) for f in record.versions[0].files] == first_files
    assert record.versions[1].content_hash != record.versions[0].content_hash
    act(as_user, rec.tt_toan, record_id, "approve_record")
    record = load(record_id)
    approval = record.current_approvals()[0]
    assert approval.version_id == record.versions[1].id
    assert approval.version_hash == record.versions[1].content_hash


def test_new_version_can_keep_files_of_the_current_one(rec, make_record, as_user, load) -> None:
    record_id = make_record(files=[("a.pdf", samples.pdf(text="a")), ("b.docx", samples.docx())])
    keep = [f.id for f in load(record_id).versions[0].files if f.original_name == "b.docx"]

    def new_version(actor):  # type: ignore[no-untyped-def]
        r = db.session.get(Record, record_id)
        services.add_version(
            actor, r, seen_version=r.version, keep_file_ids=keep, files=[stage_bytes("a2.pdf", samples.pdf(text="a2"))]
        )

    as_user(rec.t1, new_version)
    names = sorted(f.original_name for f in load(record_id).versions[1].files)
    assert names == ["a2.pdf", "b.docx"]


def test_withdraw_only_before_any_approval(rec, make_record, as_user, load) -> None:
    record_id = make_record(submit=True)
    act(as_user, rec.t1, record_id, "withdraw_record")
    assert load(record_id).state == "draft"
    act(as_user, rec.t1, record_id, "submit_record")
    act(as_user, rec.tt_toan, record_id, "approve_record")
    with pytest.raises(WorkflowConflict):
        act(as_user, rec.t1, record_id, "withdraw_record")
    assert load(record_id).state == "submitted"


@pytest.mark.parametrize(
    "verb,kw",
    [
        ("submit_record", {}),
        ("approve_record", {}),
        ("return_record", {"comment": "x"}),
        ("withdraw_record", {}),
        ("delete_record", {}),
        ("update_record", {"title": "Sửa sau khi duyệt"}),
        ("add_version", {"files": []}),
    ],
)
def test_an_approved_record_is_final_for_everyone(
    rec, make_record, as_user, load, verb, kw, head_seq, audit_tail
) -> None:
    record_id = make_record(submit=True)
    act(as_user, rec.tt_toan, record_id, "approve_record")
    act(as_user, rec.ht, record_id, "approve_record")
    before, snapshot = head_seq(), load(record_id)
    for user in (rec.t1, rec.tt_toan, rec.ht):
        with pytest.raises((WorkflowConflict, Forbidden)):
            act(as_user, user, record_id, verb, **kw)
    after = load(record_id)
    assert (after.state, after.version, after.title) == (snapshot.state, snapshot.version, snapshot.title)
    assert len(after.versions) == 1 and after.deleted_at is None
    assert set(events(audit_tail, before)) <= {"authz.denied"}  # only the refusals are traced


def test_stale_version_is_a_conflict_and_changes_nothing(rec, make_record, as_user, load) -> None:
    record_id = make_record(submit=True)
    seen = load(record_id).version
    act(as_user, rec.tt_toan, record_id, "approve_record", seen_version=seen)
    with pytest.raises(WorkflowConflict):  # double click: the same form posted twice
        act(as_user, rec.tt_toan, record_id, "approve_record", seen_version=seen)
    with pytest.raises(WorkflowConflict):
        act(as_user, rec.ht, record_id, "return_record", seen_version=seen, comment="x")
    record = load(record_id)
    assert [d.action for d in record.decisions] == ["submit", "approve"]


def test_reviewers_outside_the_step_are_refused(rec, make_record, as_user, load, make_user) -> None:
    record_id = make_record(submit=True)
    for outsider in (rec.t1, rec.t2, rec.tt_van, rec.ht, rec.admin):  # step 0 is the tổ's
        with pytest.raises(Forbidden):
            act(as_user, outsider, record_id, "approve_record")
    act(as_user, rec.tt_toan, record_id, "approve_record")
    with pytest.raises(Forbidden):  # step 1 is the BGH's
        act(as_user, rec.tt_toan, record_id, "approve_record")
    pht = make_user("pht", roles=(Role.VICE_PRINCIPAL,), full_name="Phó Hiệu Trưởng")
    act(as_user, pht, record_id, "approve_record")
    assert load(record_id).state == "approved"


def _own_plan(rec, make_subject, make_assignment, make_record):  # type: ignore[no-untyped-def]
    tin = make_subject("Tin học", "TIN", rec.dept_toan.id)
    make_assignment(rec.tt_toan, rec.c10a1, tin)
    return make_record(author=rec.tt_toan, subject_id=tin.id, submit=True)


def test_a_head_cannot_approve_their_own_plan_it_goes_to_the_bgh(
    rec, make_subject, make_assignment, make_record, as_user, load
) -> None:
    """R14 without a tổ phó: the tổ step goes to the next level."""
    record_id = _own_plan(rec, make_subject, make_assignment, make_record)
    record = load(record_id)
    assert record.chain == ["bgh"] and record.awaiting == "bgh"
    with pytest.raises(Forbidden):
        act(as_user, rec.tt_toan, record_id, "approve_record")
    act(as_user, rec.ht, record_id, "approve_record")
    assert load(record_id).state == "approved"


def test_a_heads_own_plan_goes_to_the_deputy_when_there_is_one(
    app, rec, make_subject, make_assignment, make_record, as_user, load
) -> None:
    with app.app_context():
        from app.school import services as school
        from app.school.models import Department

        dept = db.session.get(Department, rec.dept_toan.id)
        school.update_department(None, dept, name=dept.name, head_id=rec.tt_toan.id, deputy_id=rec.t2.id)
        db.session.commit()
    record_id = _own_plan(rec, make_subject, make_assignment, make_record)
    assert load(record_id).chain == ["to_truong", "bgh"]
    with pytest.raises(Forbidden):
        act(as_user, rec.tt_toan, record_id, "approve_record")
    act(as_user, rec.t2, record_id, "approve_record")  # the tổ phó
    assert load(record_id).awaiting == "bgh"


def test_one_person_never_decides_two_steps_of_a_submission(app, rec, make_record, as_user, load, make_user) -> None:
    pht = make_user("phtoan", roles=(Role.TEACHER, Role.VICE_PRINCIPAL), full_name="Phó Toán")
    with app.app_context():
        from app.school import services as school
        from app.school.models import Department

        dept = db.session.get(Department, rec.dept_toan.id)
        school.update_department(None, dept, name=dept.name, head_id=rec.tt_toan.id, deputy_id=pht.id)
        db.session.commit()
    record_id = make_record(submit=True)
    act(as_user, pht, record_id, "approve_record")  # as tổ phó
    with pytest.raises(Forbidden):
        act(as_user, pht, record_id, "approve_record")  # again, as BGH
    act(as_user, rec.ht, record_id, "approve_record")
    assert load(record_id).state == "approved"


def test_chain_resolution(app, rec, make_user) -> None:
    from app.records.models import RecordType
    from app.school.models import Department

    def chain_for(author_id: int, code: str) -> list[str]:
        record = Record(
            author_id=author_id,
            department=db.session.get(Department, rec.dept_toan.id),
            record_type=db.session.get(RecordType, rec.types[code]),
        )
        try:
            return resolve_chain(record)
        finally:
            db.session.expunge_all()

    with app.app_context():
        assert chain_for(rec.t1.id, "ke_hoach_bai_day") == ["to_truong", "bgh"]
        assert chain_for(rec.tt_toan.id, "ke_hoach_bai_day") == ["bgh"]  # R14: no tổ phó
        assert chain_for(rec.tt_toan.id, "so_diem") == ["hieu_truong"]
        assert chain_for(rec.t1.id, "so_diem") == ["to_truong", "hieu_truong"]
        with pytest.raises(RecordError):  # the principal's own record and no other BGH member
            chain_for(rec.ht.id, "bien_ban_sinh_hoat_to")
    make_user("pht2", roles=(Role.VICE_PRINCIPAL,))
    with app.app_context():
        assert chain_for(rec.ht.id, "bien_ban_sinh_hoat_to") == ["bgh"]


def test_comments_are_audited_and_validated(rec, make_record, as_user, load, audit_tail, head_seq) -> None:
    record_id = make_record(submit=True)
    before = head_seq()

    def say(text):  # type: ignore[no-untyped-def]
        return lambda actor: services.add_comment(actor, db.session.get(Record, record_id), text)

    as_user(rec.tt_toan, say("Phần mở đầu nên ngắn hơn"))
    as_user(rec.t1, say("Em đã sửa"))
    with pytest.raises(RecordError):
        as_user(rec.t1, say("   "))
    with pytest.raises(Forbidden):
        as_user(rec.tt_van, say("Tổ khác"))
    assert events(audit_tail, before)[:2] == ["record.commented", "record.commented"]


def test_only_never_submitted_drafts_can_be_deleted(rec, make_record, as_user, load, app) -> None:
    record_id = make_record()
    with pytest.raises(Forbidden):
        act(as_user, rec.t2, record_id, "delete_record")
    act(as_user, rec.t1, record_id, "delete_record")
    assert load(record_id).deleted_at is not None
    with app.test_request_context(), pytest.raises(Exception) as exc:
        from app.accounts.models import User

        queries.get_for(db.session.get(User, rec.t1.id), record_id)
    assert getattr(exc.value, "code", None) == 404
    second = make_record(submit=True)
    act(as_user, rec.t1, second, "withdraw_record")
    with pytest.raises(WorkflowConflict):
        act(as_user, rec.t1, second, "delete_record")


def test_update_recomputes_the_due_date(rec, make_record, as_user, load, audit_tail, head_seq) -> None:
    record_id = make_record(lesson_date=date(2024, 10, 10))
    before = head_seq()
    act(as_user, rec.t1, record_id, "update_record", title="Bài 2", lesson_date=date(2024, 11, 4))
    record = load(record_id)
    assert record.title == "Bài 2" and record.due_date == date(2024, 11, 4) - timedelta(days=2)
    assert events(audit_tail, before) == ["record.updated"]


def test_teacher_cannot_create_for_a_class_they_do_not_teach(rec, make_record) -> None:
    with pytest.raises(RecordError, match="phân công"):
        make_record(author=rec.t1, class_id=rec.c10a2.id)
    with pytest.raises(Forbidden):  # a tổ trưởng's record type
        make_record(author=rec.t1, code="bien_ban_sinh_hoat_to")
