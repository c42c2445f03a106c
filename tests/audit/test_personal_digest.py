"""Contact and sensitive identity fields enter audit events only as keyed digests
(DESIGN.md 13): the chain proves a value when shown, holds no clear copy, and stays
verifiable once the school erases the value from its own tables."""

from __future__ import annotations

from sqlalchemy import inspect, select, text

from app.extensions import db

PHONE = "0912345678"
ADDRESS = "Ấp Mỹ Cẩm A, xã Mỹ Long"
ETHNICITY = "Khmer"
BIRTHPLACE = "Xã Kim Hòa, huyện Cầu Ngang"


def _everywhere(app, needle: str) -> list[str]:  # type: ignore[no-untyped-def]
    with app.app_context():
        found = []
        for table in inspect(db.engine).get_table_names():
            for row in db.session.execute(text(f'SELECT * FROM "{table}"')):
                if any(needle in str(v) for v in row):
                    found.append(table)
        return found


def test_contact_fields_are_digests_in_the_chain(app, make_year, make_class, make_student, as_user, runner) -> None:
    from app.audit.models import AuditEvent
    from app.audit.services import personal_digest
    from app.school.models import Guardian, GuardianRelation, Student
    from app.school.services.guardians import add_guardian, update_guardian

    year = make_year(2026)
    cls = make_class(year, "7A1")
    s = make_student(cls, "Thạch Thị Sô Phia", ethnicity=ETHNICITY, address=ADDRESS, birthplace=BIRTHPLACE)

    def add(_a):  # type: ignore[no-untyped-def]
        g = add_guardian(None, db.session.get(Student, s.id), relation=GuardianRelation.MOTHER,
                         full_name="Kim Thị Lan", phone=PHONE)  # fmt: skip
        return g.id

    guardian_id = as_user(None, add)
    with app.app_context():
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.subject_type.in_(("student", "guardian")))
        ).all()
        created = next(e for e in events if e.action == "student.created")
        assert created.changes["ethnicity"] == [None, personal_digest(ETHNICITY)]
        assert created.changes["address"][1].startswith("hmac-sha256:")
        g_event = next(e for e in events if e.action == "guardian.created")
        assert g_event.changes["phone"] == [None, personal_digest(PHONE)]
        assert g_event.changes["full_name"] == [None, personal_digest("Kim Thị Lan")]  # names too (issue 12)
    # erasing the phone: no clear copy anywhere, the chain still verifies
    as_user(
        None,
        lambda a: update_guardian(None, db.session.get(Guardian, guardian_id), full_name="Kim Thị Lan", phone=None),
    )
    for value in (PHONE, ETHNICITY, BIRTHPLACE, "Kim Thị Lan"):
        hits = _everywhere(app, value)
        assert "audit_event" not in hits, value
    assert _everywhere(app, PHONE) == []
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
