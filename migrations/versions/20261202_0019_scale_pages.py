"""scale: a reviewer's own approvals found by index (record_decision.actor_id, action), for
the review queue's "not already approved by you" in SQL on a district-sized school.

Revision ID: 0019_scale_pages
Revises: 0018_pkcs11
"""

from alembic import op

revision = "0019_scale_pages"
down_revision = "0018_pkcs11"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_record_decision_actor_action", "record_decision", ["actor_id", "action"])


def downgrade():
    op.drop_index("ix_record_decision_actor_action", table_name="record_decision")
