"""merge records and gradebook

Revision ID: 0004
Revises: 0002, 0003
Create Date: 2026-11-24 22:14:05.340767

"""

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = ("0002", "0003")
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
