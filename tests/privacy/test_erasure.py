"""Erasure of a guardian's contact data by the admin: replaced, links revoked, audited with
digests only; afterwards `flask audit verify` is OK and the erased name and phone appear
nowhere in the database (every text column; on SQLite also the file's bytes, WAL included)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import JSON, String, Text, inspect, select, text

from app.extensions import db
from tests.parents.conftest import issue, open_as_parent

NAME = "Thạch Văn Xóa-Được"
PHONE = "0987654321"


def _add_father(app, as_user, ns):  # type: ignore[no-untyped-def]
    from app.school.models import GuardianRelation, Student
    from app.school.services.guardians import add_guardian

    def add(_a):  # type: ignore[no-untyped-def]
        g = add_guardian(None, db.session.get(Student, ns.students[0].id), relation=GuardianRelation.FATHER,
                         full_name=NAME, phone=PHONE, occupation="Làm ruộng", birth_year=1980)  # fmt: skip
        return g.id

    return as_user(None, add)


def _hits(app, needle: str) -> list[str]:
    """Every table.column (text-like) holding the needle, on SQLite and PostgreSQL alike."""
    found = []
    with app.app_context():
        existing = set(inspect(db.engine).get_table_names())
        for table in db.metadata.sorted_tables:
            if table.name not in existing:
                continue
            for column in table.columns:
                if isinstance(column.type, String | Text | JSON):
                    q = text(f'SELECT count(*) FROM "{table.name}" WHERE CAST("{column.name}" AS TEXT) LIKE :n')
                    if db.session.scalar(q, {"n": f"%{needle}%"}):
                        found.append(f"{table.name}.{column.name}")
    return found


def _file_bytes(app) -> bytes:  # type: ignore[no-untyped-def]
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        return b""
    path = Path(uri.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, path.with_name(path.name + "-wal")) if p.exists())


def test_erasure_leaves_no_clear_copy_and_a_verifiable_chain(app, parents_school, as_user, login_as, admin, runner):
    from app.audit.models import AuditEvent
    from app.audit.services import personal_digest
    from app.parents.models import ParentLink
    from app.school.models import Guardian, Student

    ns = parents_school
    gid = _add_father(app, as_user, ns)
    token = issue(as_user, ns.gvcn, ns.cls.id, gid)
    open_as_parent(app.test_client(), token)
    with app.app_context():
        code = db.session.get(Student, ns.students[0].id).student_code
    bgh = login_as(ns.ht)
    bgh.post("/privacy/requests", data={"student_code": code, "kind": "deletion", "requester": "cha",
                                        "received_on": "05/03/2026", "details": ""})  # fmt: skip
    assert _hits(app, PHONE) == ["guardian.phone"] and _hits(app, NAME) == ["guardian.full_name"]
    staff = login_as(admin)
    page = staff.get(f"/privacy/erasure?q={code}").get_data(as_text=True)
    assert NAME in page and "hồ sơ nhà trường phải lưu giữ" in page
    r = staff.post(f"/privacy/guardians/{gid}/erase", data={"confirm": "XÓA"})
    assert r.status_code == 303
    after = staff.get(r.headers["Location"]).get_data(as_text=True)
    assert "thu hồi 1 đường dẫn" in after and "được giữ nguyên theo quy định của pháp luật" in after
    with app.app_context():
        g = db.session.get(Guardian, gid)
        assert (g.full_name, g.phone, g.occupation, g.birth_year) == ("(đã xóa theo yêu cầu)", None, None, None)
        links = db.session.scalars(select(ParentLink).where(ParentLink.guardian_id == gid)).all()
        assert links and all(link.revoked_at for link in links)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "guardian.erased")).one()
        assert event.changes["phone"] == [personal_digest(PHONE), None]
        assert event.changes["full_name"][0] == personal_digest(NAME)
        assert db.session.get(Student, ns.students[0].id) is not None  # the student's records stay
    assert app.test_client().get(f"/p/{token}").status_code == 404
    for needle in (PHONE, NAME):
        assert _hits(app, needle) == [], needle
        assert needle.encode() not in _file_bytes(app), needle
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    again = login_as(admin).post(f"/privacy/guardians/{gid}/erase", data={"confirm": "XÓA"})
    assert again.status_code == 409


def test_only_the_admin_erases_and_must_confirm(app, parents_school, as_user, login_as, admin) -> None:
    ns = parents_school
    gid = ns.guardians[ns.students[1].id]
    for user in (ns.ht, ns.gvcn):
        assert login_as(user).post(f"/privacy/guardians/{gid}/erase", data={"confirm": "XÓA"}).status_code == 403
        assert login_as(user).get("/privacy/erasure").status_code == 403
    c = login_as(admin)
    assert c.post("/privacy/guardians/999999/erase", data={"confirm": "XÓA"}).status_code == 404
    wrong = c.post(f"/privacy/guardians/{gid}/erase", data={"confirm": "có"})
    assert wrong.status_code == 422 and "Gõ đúng chữ XÓA" in wrong.get_data(as_text=True)
    assert c.post(f"/privacy/guardians/{gid}/erase", data={"confirm": "xóa"}).status_code == 303
