"""Revision 0007 on a database with data (SQLite, and PostgreSQL when TEST_DATABASE_URL is
set, in a schema of its own): school.principal_name becomes the current year's hiệu trưởng
linked to the account of that name, existing enrollments start on their year's first day,
and the downgrade brings principal_name back and keeps one enrollment per student and year."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app.extensions import db

NOW = datetime(2026, 1, 1, 8, 0, 0)


def _insert(table: str, **values: object) -> None:
    columns = ", ".join(f'"{k}"' for k in values)
    params = ", ".join(f":{k}" for k in values)
    db.session.execute(text(f'INSERT INTO "{table}" ({columns}) VALUES ({params})'), values)


def _seed_0006() -> None:
    stamps = {"created_at": NOW, "updated_at": NOW}
    _insert("school", id=1, name="THCS Cầu Ngang", code="CN", level="THCS", province="Trà Vinh",
            principal_name="Ngô Văn Hiệu Trưởng", **stamps)  # fmt: skip
    for uid, name, role in ((1, "Ngô Văn Hiệu Trưởng", "hieu_truong"), (2, "Ngô Văn Hiệu Trưởng", "giao_vien")):
        _insert("user", id=uid, username=f"u{uid}", full_name=name, password_hash="x", must_change_password=False,
                active=True, session_version=1, failed_logins=0, **stamps)  # fmt: skip
        _insert("user_role", id=uid, user_id=uid, role=role)
    for yid, start, current in ((1, 2023, False), (2, 2024, True)):
        _insert("school_year", id=yid, start_year=start, end_year=start + 1, start_date=date(start, 9, 5),
                end_date=date(start + 1, 5, 31), is_current=current, **stamps)  # fmt: skip
        _insert("school_class", id=yid, year_id=yid, name=f"{start - 2017}A1", grade_level=start - 2017, **stamps)
    _insert("student", id=1, student_code="HS1", last_name="Lê", middle_name="", first_name="An", full_name="Lê An",
            birth_date=date(2012, 1, 1), gender="nam", active=True, **stamps)  # fmt: skip
    _insert("enrollment", id=1, student_id=1, class_id=1, year_id=1)
    _insert("enrollment", id=2, student_id=1, class_id=2, year_id=2)
    db.session.commit()


def test_0007_upgrades_data_and_downgrades(bare_app: Flask) -> None:
    with bare_app.app_context():
        upgrade(revision="0006")
        _seed_0006()
        db.session.remove()
        upgrade(revision="0007_school_records")
        assert "principal_name" not in {c["name"] for c in inspect(db.engine).get_columns("school")}
        principals = db.session.execute(
            text("SELECT year_id, user_id, full_name, start_date FROM year_principal")
        ).all()
        # the current year, linked to the account holding the role (not the namesake teacher)
        assert [tuple(r[:3]) for r in principals] == [(2, 1, "Ngô Văn Hiệu Trưởng")]
        assert str(principals[0][3])[:10] == "2024-09-05"
        starts = db.session.execute(text("SELECT id, start_date, end_date FROM enrollment ORDER BY id")).all()
        assert [(r[0], str(r[1])[:10], r[2]) for r in starts] == [(1, "2023-09-05", None), (2, "2024-09-05", None)]
        delegate = db.session.execute(text("SELECT close_delegate_allowed FROM school")).scalar()
        assert delegate in (False, 0)
        # a class change under 0007: the old enrollment kept and dated, a new one open
        db.session.execute(text("UPDATE enrollment SET end_date = :d, end_kind = 'chuyen_lop' WHERE id = 2"),
                           {"d": date(2025, 1, 19)})  # fmt: skip
        _insert("enrollment", id=3, student_id=1, class_id=2, year_id=2, start_date=date(2025, 1, 20))
        db.session.commit()
        db.session.remove()  # the migration writes on its own connection

        downgrade(revision="0006")
        assert db.session.execute(text("SELECT principal_name FROM school")).scalar() == "Ngô Văn Hiệu Trưởng"
        kept = db.session.execute(text("SELECT id, year_id FROM enrollment ORDER BY id")).all()
        assert [tuple(r) for r in kept] == [(1, 1), (3, 2)]  # the latest of each year
        db.session.remove()  # (SQLite: one writer; the session's transaction is one)
        assert "year_principal" not in inspect(db.engine).get_table_names()
        upgrade(revision="heads")  # and up again
        assert "year_principal" in inspect(db.engine).get_table_names()
