"""signing: a certificate whose key lives on a USB token (PKCS#11): signing_certificate.source
('p12' or 'pkcs11'), the token's label and the key's ID and label; the PKCS#12 column is
empty for a token certificate.

Revision ID: 0018_pkcs11
Revises: 0016_parent_messages
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_pkcs11"
down_revision = "0016_parent_messages"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("signing_certificate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=8), server_default="p12", nullable=False))
        batch_op.add_column(sa.Column("token_label", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("key_id", sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column("key_label", sa.String(length=100), nullable=True))
        batch_op.alter_column("p12", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.create_check_constraint(batch_op.f("ck_signing_certificate_source"), "source IN ('p12', 'pkcs11')")
        batch_op.create_check_constraint(
            batch_op.f("ck_signing_certificate_p12_kept"), "source = 'pkcs11' OR p12 IS NOT NULL"
        )


def downgrade():
    # a token certificate cannot be told apart once the columns are gone: it keeps its row
    # (signatures point at it) with an empty PKCS#12, and is no longer active
    op.get_bind().execute(
        sa.text("UPDATE signing_certificate SET p12 = :empty, active = :off WHERE p12 IS NULL"),
        {"empty": b"", "off": False},
    )
    with op.batch_alter_table("signing_certificate", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_signing_certificate_p12_kept"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_signing_certificate_source"), type_="check")
        batch_op.alter_column("p12", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("key_label")
        batch_op.drop_column("key_id")
        batch_op.drop_column("token_label")
        batch_op.drop_column("source")
