"""signing: personal certificates and document signatures

- signing_certificate: a person's PKCS#12 (encrypted by their own password, never
  stored) and the certificate's facts;
- document_signature: each signature of an issued document (GVCN → hiệu trưởng → seal)
  and the sha256 of the signed revision.

Revision ID: 0011_signing
Revises: 0010_reports
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_signing"
down_revision = "0010_reports"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "signing_certificate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("p12", sa.LargeBinary(), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("common_name", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=400), nullable=False),
        sa.Column("serial", sa.String(length=80), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("key_type", sa.String(length=20), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("not_after", sa.DateTime(), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["user.id"], name=op.f("fk_signing_certificate_owner_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signing_certificate")),
    )
    with op.batch_alter_table("signing_certificate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signing_certificate_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_signing_certificate_fingerprint"), ["fingerprint"], unique=False)

    op.create_table(
        "document_signature",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=12), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("signer_id", sa.Integer(), nullable=True),
        sa.Column("certificate_id", sa.Integer(), nullable=True),
        sa.Column("cert_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("cert_subject", sa.String(length=400), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.Column("timestamped", sa.Boolean(), nullable=False),
        sa.Column("signed_at", sa.DateTime(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.CheckConstraint("step IN ('gvcn', 'hieu_truong', 'seal')", name=op.f("ck_document_signature_step")),
        sa.ForeignKeyConstraint(
            ["certificate_id"], ["signing_certificate.id"],
            name=op.f("fk_document_signature_certificate_id_signing_certificate"),
        ),
        sa.ForeignKeyConstraint(
            ["document_id"], ["issued_document.id"], name=op.f("fk_document_signature_document_id_issued_document")
        ),
        sa.ForeignKeyConstraint(["signer_id"], ["user.id"], name=op.f("fk_document_signature_signer_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_signature")),
        sa.UniqueConstraint("document_id", "step", name=op.f("uq_document_signature_document_id_step")),
    )  # fmt: skip
    with op.batch_alter_table("document_signature", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_signature_document_id"), ["document_id"], unique=False)


def downgrade():
    with op.batch_alter_table("document_signature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_signature_document_id"))
    op.drop_table("document_signature")
    with op.batch_alter_table("signing_certificate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signing_certificate_fingerprint"))
        batch_op.drop_index(batch_op.f("ix_signing_certificate_owner_id"))
    op.drop_table("signing_certificate")
