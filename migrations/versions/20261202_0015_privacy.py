"""privacy: guardians' consent to electronic delivery (R21) and the register of
data-subject requests (R22).

Revision ID: 0015_privacy
Revises: 0014_signing_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_privacy"
down_revision = "0014_signing_jobs"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "guardian_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=12), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("state IN ('given', 'withdrawn')", name=op.f("ck_guardian_consent_state")),
        sa.CheckConstraint("channel IN ('school', 'parent_link')", name=op.f("ck_guardian_consent_channel")),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardian.id"], name=op.f("fk_guardian_consent_guardian_id_guardian"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"], name=op.f("fk_guardian_consent_student_id_student")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user.id"], name=op.f("fk_guardian_consent_recorded_by_id_user")),
        sa.ForeignKeyConstraint(["link_id"], ["parent_link.id"], name=op.f("fk_guardian_consent_link_id_parent_link")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guardian_consent")),
    )
    with op.batch_alter_table("guardian_consent", schema=None) as batch_op:
        batch_op.create_index("ix_guardian_consent_guardian", ["guardian_id", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_guardian_consent_student_id"), ["student_id"], unique=False)

    op.create_table(
        "data_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("requester", sa.String(length=10), nullable=False),
        sa.Column("guardian_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('access', 'correction', 'deletion', 'restriction')", name=op.f("ck_data_request_kind")
        ),
        sa.CheckConstraint("status IN ('open', 'answered', 'refused')", name=op.f("ck_data_request_status")),
        sa.CheckConstraint("requester IN ('guardian', 'student')", name=op.f("ck_data_request_requester")),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"], name=op.f("fk_data_request_student_id_student")),
        sa.ForeignKeyConstraint(
            ["guardian_id"], ["guardian.id"], name=op.f("fk_data_request_guardian_id_guardian"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["answered_by_id"], ["user.id"], name=op.f("fk_data_request_answered_by_id_user")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], name=op.f("fk_data_request_created_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_request")),
    )
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        batch_op.create_index("ix_data_request_status_due", ["status", "due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_data_request_student_id"), ["student_id"], unique=False)


def downgrade():
    with op.batch_alter_table("data_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_request_student_id"))
        batch_op.drop_index("ix_data_request_status_due")
    op.drop_table("data_request")
    with op.batch_alter_table("guardian_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_guardian_consent_student_id"))
        batch_op.drop_index("ix_guardian_consent_guardian")
    op.drop_table("guardian_consent")
