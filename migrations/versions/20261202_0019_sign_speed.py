"""reports: issued_document.signature_boxes — where the visible signatures go on the issued
pages, kept at issuing so that signing does not draw the document again (documents issued
before keep NULL: signing redraws them once per process, as before).

Revision ID: 0019_sign_speed
Revises: 0019_scale_pages
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_sign_speed"
down_revision = "0019_scale_pages"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature_boxes", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.drop_column("signature_boxes")
