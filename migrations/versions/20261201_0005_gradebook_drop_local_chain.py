"""gradebook: drop the fallback review columns (state, step, version)

The grade book's approval is the records workflow (the linked "so_diem" record); the
grade book's own workflow columns served only the fallback chain that ran while
app.records offered no linked records. Nothing reads them any more.

Revision ID: 0005_gradebook
Revises: 0004
Create Date: 2026-12-01 10:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_gradebook"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("gradebook", schema=None) as batch_op:
        batch_op.drop_column("version")
        batch_op.drop_column("step")
        batch_op.drop_column("state")


def downgrade():
    # the fallback chain never ran alongside records: every grade book was "draft" there
    with op.batch_alter_table("gradebook", schema=None) as batch_op:
        batch_op.add_column(sa.Column("state", sa.String(length=12), nullable=False, server_default="draft"))
        batch_op.add_column(sa.Column("step", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
