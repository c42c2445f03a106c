"""signing jobs: the hiệu trưởng's batches (a class or the whole school) as background
jobs with their progress; never a password or a key.

Revision ID: 0014_signing_jobs
Revises: 0013_parents
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_signing_jobs"
down_revision = "0013_parents"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signing_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("scope_ref", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("signed", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.Column("failed_code", sa.String(length=9), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("scope IN ('class', 'school')", name=op.f("ck_signing_job_scope")),
        sa.CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name=op.f("ck_signing_job_state")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["user.id"], name=op.f("fk_signing_job_requested_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_job")),
    )
    with op.batch_alter_table("signing_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_job_requested_by_id"), ["requested_by_id"], unique=False)

    op.create_table(
        "signing_job_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('signed', 'skipped')", name=op.f("ck_signing_job_item_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["issued_document.id"], name=op.f("fk_signing_job_item_document_id_issued_document")
        ),
        sa.ForeignKeyConstraint(["job_id"], ["signing_job.id"], name=op.f("fk_signing_job_item_job_id_signing_job")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_job_item")),
        sa.UniqueConstraint("job_id", "position", name="signing_job_item_position"),
    )
    with op.batch_alter_table("signing_job_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_job_item_job_id"), ["job_id"], unique=False)


def downgrade():
    with op.batch_alter_table("signing_job_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_job_item_job_id"))
    op.drop_table("signing_job_item")
    with op.batch_alter_table("signing_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_job_requested_by_id"))
    op.drop_table("signing_job")
