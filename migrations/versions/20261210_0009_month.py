"""monthly report points (báo cáo tháng)

- result_month: one publication round of a class's month (the GVCN's note, the BGH
  request when the school requires approval, when it was published);
- school.month_approval_required: the school setting "báo cáo tháng cần BGH duyệt"
  (off by default);
- gradebook.tx_dates: the subject teacher's optional test date of each ĐĐGtx column.

The month snapshots themselves are rows of result_snapshot (period "month", period_ref
"2024-10"), already allowed by 0008_results.

Revision ID: 0009_month
Revises: 0008_results
Create Date: 2026-12-10 09:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_month"
down_revision = "0008_results"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "result_month",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("year_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=False),
        sa.Column("students_written", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["class_id"], ["school_class.id"], name=op.f("fk_result_month_class_id_school_class")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_result_month_created_by_id_user")),
        sa.ForeignKeyConstraint(["published_by_id"], ["user.id"], name=op.f("fk_result_month_published_by_id_user")),
        sa.ForeignKeyConstraint(["record_id"], ["record.id"], name=op.f("fk_result_month_record_id_record")),
        sa.ForeignKeyConstraint(["year_id"], ["school_year.id"], name=op.f("fk_result_month_year_id_school_year")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_result_month")),
        sa.UniqueConstraint("class_id", "month", "number", name="uq_result_month_round"),
    )
    with op.batch_alter_table("result_month", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_result_month_class_id"), ["class_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_result_month_year_id"), ["year_id"], unique=False)

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("month_approval_required", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("gradebook", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tx_dates", sa.JSON(), server_default="{}", nullable=False))


def downgrade():
    with op.batch_alter_table("gradebook", schema=None) as batch_op:
        batch_op.drop_column("tx_dates")

    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_column("month_approval_required")

    with op.batch_alter_table("result_month", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_result_month_year_id"))
        batch_op.drop_index(batch_op.f("ix_result_month_class_id"))

    op.drop_table("result_month")
