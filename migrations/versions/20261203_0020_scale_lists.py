"""scale: the waiting records (state submitted, not deleted) as a partial index holding
every column the review queues and their counts read, so that a district-sized school's
queue is counted and ordered from the index alone; and the classes of a year in the class
list's order (khối, name), so that one page of 7,000 classes is read without a sort.

Revision ID: 0020_scale_lists
Revises: 0019_sign_speed
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_scale_lists"
down_revision = "0019_sign_speed"
branch_labels = None
depends_on = None

WAITING = "state = 'submitted' AND deleted_at IS NULL"
WAITING_COLUMNS = [
    "awaiting",
    "record_type_id",
    "author_id",
    "department_id",
    "due_date",
    "submitted_at",
    "last_submitted_at",
    "id",
]


def upgrade():
    op.create_index(
        "ix_record_waiting",
        "record",
        WAITING_COLUMNS,
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )
    op.create_index("ix_school_class_year_order", "school_class", ["year_id", "grade_level", "name", "id"])


def downgrade():
    op.drop_index("ix_school_class_year_order", table_name="school_class")
    op.drop_index("ix_record_waiting", table_name="record")
