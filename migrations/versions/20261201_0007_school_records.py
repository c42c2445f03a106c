"""school records for the học bạ: số đăng bộ, enrollment history, quá trình học tập,
hiệu trưởng per year, cơ quan chủ quản and the date-line place, close delegation

- student.register_number (số đăng bộ), unique when set;
- enrollment: start_date (existing rows: their year's first day), end_date, end_kind,
  end_reason; the unique (student, year) becomes "one OPEN enrollment per student and
  year" (a partial unique index), so a class change keeps the old enrollment;
- prior_schooling: years at other schools (a transferred student's quá trình học tập);
- year_principal: the hiệu trưởng of each year (from a date), with the name as printed;
  school.principal_name moves there (onto the current year, linked to the account holding
  the Hiệu trưởng role with that name, if any) and is dropped;
- school.governing_body (cơ quan chủ quản), school.place_name, school.close_delegate_allowed.

Revision ID: 0007_school_records
Revises: 0006
Create Date: 2026-12-01 14:00:00.000000

"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_school_records"
down_revision = "0006"
branch_labels = None
depends_on = None

OPEN = "end_date IS NULL"


def upgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("governing_body", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("place_name", sa.String(length=100), nullable=True))
        batch_op.add_column(
            sa.Column("close_delegate_allowed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("student", schema=None) as batch_op:
        batch_op.add_column(sa.Column("register_number", sa.String(length=30), nullable=True))
        batch_op.create_index(batch_op.f("ix_student_register_number"), ["register_number"], unique=True)

    # enrollments: dates first (filled from their year), then the new constraints
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("start_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("end_kind", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.String(length=300), nullable=True))
    op.execute(
        "UPDATE enrollment SET start_date = "
        "(SELECT school_year.start_date FROM school_year WHERE school_year.id = enrollment.year_id)"
    )
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.alter_column("start_date", existing_type=sa.Date(), nullable=False)
        batch_op.drop_constraint(op.f("uq_enrollment_student_id_year_id"), type_="unique")
        batch_op.create_check_constraint(
            op.f("ck_enrollment_dates"), sa.text("end_date IS NULL OR end_date >= start_date")
        )
        batch_op.create_check_constraint(
            op.f("ck_enrollment_end_kind"), sa.text("(end_date IS NULL) = (end_kind IS NULL)")
        )
    op.create_index(
        "uq_enrollment_open_student_year",
        "enrollment",
        ["student_id", "year_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )

    op.create_table(
        "prior_schooling",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("year_name", sa.String(length=9), nullable=False),
        sa.Column("class_name", sa.String(length=20), nullable=False),
        sa.Column("school_name", sa.String(length=200), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["student_id"], ["student.id"], name=op.f("fk_prior_schooling_student_id_student"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prior_schooling")),
    )
    with op.batch_alter_table("prior_schooling", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prior_schooling_student_id"), ["student_id"], unique=False)

    year_principal = op.create_table(
        "year_principal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("full_name", sa.String(length=120), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_year_principal_user_id_user")),
        sa.ForeignKeyConstraint(
            ["year_id"], ["school_year.id"], name=op.f("fk_year_principal_year_id_school_year"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_year_principal")),
        sa.UniqueConstraint("year_id", "start_date", name=op.f("uq_year_principal_year_id_start_date")),
    )
    with op.batch_alter_table("year_principal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_year_principal_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_year_principal_year_id"), ["year_id"], unique=False)

    _move_principal_name(year_principal)

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("principal_name")


def _move_principal_name(year_principal: sa.Table) -> None:
    """school.principal_name had no year: it becomes the current year's hiệu trưởng (the
    latest year when none is current), linked to the Hiệu trưởng account of that name."""
    conn = op.get_bind()
    name = conn.execute(sa.text("SELECT principal_name FROM school ORDER BY id LIMIT 1")).scalar()
    name = (name or "").strip()
    years = sa.table(
        "school_year",
        sa.column("id", sa.Integer()),
        sa.column("start_date", sa.Date()),  # typed: SQLite hands back text otherwise
        sa.column("is_current", sa.Boolean()),
        sa.column("start_year", sa.Integer()),
    )
    year = conn.execute(
        sa.select(years.c.id, years.c.start_date)
        .order_by(years.c.is_current.desc(), years.c.start_year.desc())
        .limit(1)
    ).first()
    if not name or year is None:
        return
    user_id = conn.execute(
        sa.text(
            'SELECT u.id FROM "user" u JOIN user_role r ON r.user_id = u.id '
            "WHERE r.role = 'hieu_truong' AND u.full_name = :name ORDER BY u.id LIMIT 1"
        ),
        {"name": name},
    ).scalar()
    now = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(
        year_principal,
        [
            {
                "year_id": year.id,
                "user_id": user_id,
                "full_name": name,
                "start_date": year.start_date,
                "created_at": now,
                "updated_at": now,
            }
        ],
    )


def downgrade():
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("principal_name", sa.String(length=120), nullable=True))
    op.execute(
        "UPDATE school SET principal_name = (SELECT yp.full_name FROM year_principal yp "
        "JOIN school_year y ON y.id = yp.year_id "
        "ORDER BY y.is_current DESC, y.start_year DESC, yp.start_date DESC LIMIT 1)"
    )

    with op.batch_alter_table("year_principal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_year_principal_year_id"))
        batch_op.drop_index(batch_op.f("ix_year_principal_user_id"))
    op.drop_table("year_principal")

    with op.batch_alter_table("prior_schooling", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prior_schooling_student_id"))
    op.drop_table("prior_schooling")

    # one enrollment per student and year again: the history is lost, the latest one stays
    op.drop_index("uq_enrollment_open_student_year", table_name="enrollment")
    op.execute(
        "DELETE FROM enrollment WHERE EXISTS (SELECT 1 FROM enrollment later "
        "WHERE later.student_id = enrollment.student_id AND later.year_id = enrollment.year_id "
        "AND (later.start_date > enrollment.start_date "
        "OR (later.start_date = enrollment.start_date AND later.id > enrollment.id)))"
    )
    with op.batch_alter_table("enrollment", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_enrollment_end_kind"), type_="check")
        batch_op.drop_constraint(op.f("ck_enrollment_dates"), type_="check")
        batch_op.create_unique_constraint(op.f("uq_enrollment_student_id_year_id"), ["student_id", "year_id"])
        batch_op.drop_column("end_reason")
        batch_op.drop_column("end_kind")
        batch_op.drop_column("end_date")
        batch_op.drop_column("start_date")

    # not a batch: SQLite would copy and DROP the student table, which many tables reference
    # (ALTER TABLE … DROP COLUMN needs SQLite ≥ 3.35, once the column's index is gone)
    op.drop_index(op.f("ix_student_register_number"), table_name="student")
    op.drop_column("student", "register_number")

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("close_delegate_allowed")
        batch_op.drop_column("governing_body")
        batch_op.drop_column("place_name")
