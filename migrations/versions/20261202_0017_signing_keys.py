"""signing: a document revoked by the BGH (status 'revoked', when, by whom, why), and a
person's key stored encrypted when the school opts in (signing_certificate.sealed_key).

Revision ID: 0017_signing_keys
Revises: 0015_privacy
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_signing_keys"
down_revision = "0015_privacy"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_issued_document_status"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_issued_document_status"), "status IN ('valid', 'superseded', 'revoked')"
        )
        batch_op.add_column(sa.Column("revoked_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("revoked_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revoke_reason", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("revoke_note", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_issued_document_revoked_by_id_user"), "user", ["revoked_by_id"], ["id"]
        )
    with op.batch_alter_table("signing_certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_key", sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table("signing_certificate", schema=None) as batch_op:
        batch_op.drop_column("sealed_key")
    op.execute("UPDATE issued_document SET status = 'superseded' WHERE status = 'revoked'")
    with op.batch_alter_table("issued_document", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_issued_document_revoked_by_id_user"), type_="foreignkey")
        batch_op.drop_column("revoke_note")
        batch_op.drop_column("revoke_reason")
        batch_op.drop_column("revoked_by_id")
        batch_op.drop_column("revoked_at")
        batch_op.drop_constraint(batch_op.f("ck_issued_document_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_issued_document_status"), "status IN ('valid', 'superseded')")
