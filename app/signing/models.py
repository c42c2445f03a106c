"""Signing tables.

SigningCertificate: a person's own certificate, registered by PKCS#12 upload. The PKCS#12
bytes are kept as uploaded — still encrypted by the owner's password, which is never
stored: the owner types it at signing time. The certificate's facts are copied out for
lists and notices. One active certificate per person; a new upload retires the old one.

DocumentSignature: one signature of an issued document (học bạ, sổ theo dõi), in order
GVCN → hiệu trưởng → the school's seal; `sha256` names the signed revision in the file
store (each revision is the previous bytes plus an incremental update).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.models import Base, UTCDateTime, utcnow
from app.reports.models import IssuedDocument

STEPS = ("gvcn", "hieu_truong", "seal")
STEP_LABELS = {"gvcn": "Giáo viên chủ nhiệm", "hieu_truong": "Hiệu trưởng", "seal": "Con dấu của trường"}
SIGNABLE_KINDS = ("hoc_ba", "so_theo_doi")


class SigningCertificate(Base):
    __tablename__ = "signing_certificate"
    __audit_type__ = "signing_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    p12: Mapped[bytes] = mapped_column(LargeBinary)
    subject: Mapped[str] = mapped_column(String(400))
    common_name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(400))
    serial: Mapped[str] = mapped_column(String(80))
    fingerprint: Mapped[str] = mapped_column(String(64), index=True)
    key_type: Mapped[str] = mapped_column(String(20))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship()

    def days_left(self, now: datetime | None = None) -> int:
        return (self.not_after - (now or utcnow())).days

    @property
    def expiring(self) -> bool:
        """Expired or expiring within 30 days: shown to the owner and the BGH."""
        return self.days_left() <= 30


class DocumentSignature(Base):
    __tablename__ = "document_signature"
    __audit_type__ = "document_signature"
    __table_args__ = (
        UniqueConstraint("document_id", "step"),
        CheckConstraint("step IN ('gvcn', 'hieu_truong', 'seal')", name="step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("issued_document.id"), index=True)
    step: Mapped[str] = mapped_column(String(12))
    position: Mapped[int] = mapped_column(Integer)
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the seal
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("signing_certificate.id"))
    cert_fingerprint: Mapped[str] = mapped_column(String(64))
    cert_subject: Mapped[str] = mapped_column(String(400))
    is_test: Mapped[bool] = mapped_column(Boolean, default=False)
    timestamped: Mapped[bool] = mapped_column(Boolean, default=False)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)

    document: Mapped[IssuedDocument] = relationship()
    signer: Mapped[User | None] = relationship()

    @property
    def step_label(self) -> str:
        return STEP_LABELS[self.step]
