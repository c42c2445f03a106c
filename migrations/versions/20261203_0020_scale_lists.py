"""scale: the waiting records (state submitted, not deleted) as a partial index holding
every column the review queues and their counts read, so that a district-sized school's
queue is counted from the index alone; on PostgreSQL, the same records in the queue's
order (overdue first, then the newest submissions), so that a page of the queue is read
in order instead of sorting every waiting record; and the classes of a year in the class
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

#: `app.records.models.queue_overdue` as PostgreSQL writes it (the queue's ORDER BY must
#: match it for the planner to read the order from the index)
QUEUE_ORDER = (
    "(CASE WHEN (due_date IS NULL) THEN false "
    "ELSE CAST((submitted_at AT TIME ZONE 'UTC') AT TIME ZONE 'Asia/Ho_Chi_Minh' AS DATE) > due_date END) DESC, "
    "last_submitted_at DESC NULLS LAST, id DESC"
)


def upgrade():
    op.create_index(
        "ix_record_waiting",
        "record",
        WAITING_COLUMNS,
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_record_queue_order ON record ({QUEUE_ORDER}) WHERE {WAITING}")
    op.create_index("ix_school_class_year_order", "school_class", ["year_id", "grade_level", "name", "id"])


def downgrade():
    op.drop_index("ix_school_class_year_order", table_name="school_class")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_record_queue_order", table_name="record")
    op.drop_index("ix_record_waiting", table_name="record")
