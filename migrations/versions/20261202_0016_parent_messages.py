"""parent messages: the GVCN's one-to-one notes to a family (read receipt, the parent's
reply, the GVCN's reading of it); the copies of issued documents delivered to parents
(the issued file plus an incremental update with the line "Cấp cho phụ huynh của …"),
known by their sha256 so /verify recognises them.

Revision ID: 0016_parent_messages
Revises: 0017_signing_keys
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_parent_messages"
down_revision = "0017_signing_keys"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "parent_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("class_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("read_by_guardian_id", sa.Integer(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("replied_at", sa.DateTime(), nullable=True),
        sa.Column("replied_by_guardian_id", sa.Integer(), nullable=True),
        sa.Column("reply_seen_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["user.id"], name=op.f("fk_parent_message_author_id_user")),
        sa.ForeignKeyConstraint(
            ["class_id"], ["school_class.id"], name=op.f("fk_parent_message_class_id_school_class")
        ),
        sa.ForeignKeyConstraint(["student_id"], ["student.id"], name=op.f("fk_parent_message_student_id_student")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parent_message")),
    )
    with op.batch_alter_table("parent_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_parent_message_class_id"), ["class_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_parent_message_student_id"), ["student_id"], unique=False)

    op.create_table(
        "delivered_copy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("base_sha256", sa.String(length=64), nullable=False),
        sa.Column("line", sa.String(length=300), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"], ["issued_document.id"], name=op.f("fk_delivered_copy_document_id_issued_document")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivered_copy")),
        sa.UniqueConstraint("document_id", "base_sha256", "line", name="uq_delivered_copy_line"),
    )
    with op.batch_alter_table("delivered_copy", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivered_copy_document_id"), ["document_id"], unique=False)


def downgrade():
    with op.batch_alter_table("delivered_copy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivered_copy_document_id"))
    op.drop_table("delivered_copy")
    with op.batch_alter_table("parent_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_parent_message_student_id"))
        batch_op.drop_index(batch_op.f("ix_parent_message_class_id"))
    op.drop_table("parent_message")
