"""Signing tables.

SigningCertificate: a person's own certificate, registered by PKCS#12 upload (source
"p12") or read from a USB token (source "pkcs11"). The PKCS#12 bytes are kept as uploaded —
still encrypted by the owner's password, which is never stored: the owner types it at
signing time. A token certificate keeps no key material at all: only where it is (the
token's label, the key's PKCS#11 ID and label); the PIN is typed at signing time. The
certificate's facts are copied out for lists and notices. One active certificate per
person; a new registration retires the old one.

DocumentSignature: one signature of an issued document (học bạ, sổ theo dõi), in order
GVCN → hiệu trưởng → the school's seal; `sha256` names the signed revision in the file
store (each revision is the previous bytes plus an incremental update).

SigningJob: the hiệu trưởng's batch (a class, or every document of the school waiting for
the hiệu trưởng), each document its own item, signed then sealed in its own transaction.
The row holds the state and the progress — never the password or the key: those live only
in the memory of the thread running the job (app.signing.jobs); a resumed job asks for the
password again. An item is done when it has an outcome ("signed": the hiệu trưởng's
signature and/or the seal applied by this job; "skipped": nothing left for it at run time).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.core.models import Base, UTCDateTime, utcnow
from app.reports.models import IssuedDocument

STEPS = ("gvcn", "hieu_truong", "seal")
STEP_LABELS = {"gvcn": "Giáo viên chủ nhiệm", "hieu_truong": "Hiệu trưởng", "seal": "Con dấu của trường"}
SIGNABLE_KINDS = ("hoc_ba", "so_theo_doi")
JOB_STATES = ("queued", "running", "done", "failed")
JOB_STATE_LABELS = {"queued": "Đang chờ", "running": "Đang ký", "done": "Đã xong", "failed": "Bị dừng"}
JOB_SCOPES = ("class", "school")
#: why the BGH revokes an issued document (the code is kept; the label is shown, also on /verify)
REVOKE_REASONS = {
    "issued_in_error": "Phát hành nhầm",
    "wrong_content": "Nội dung có sai sót",
    "wrong_person": "Phát hành cho nhầm học sinh hoặc lớp",
    "other": "Lý do khác",
}
MAX_REVOKE_NOTE = 500
#: the school's opt-in to store signing keys encrypted (services.keystore), and the
#: environment secret they are encrypted under
KEY_STORAGE_SETTING = "signing.store_keys"
KEY_ENCRYPTION_ENV = "SODIENTU_KEY_ENCRYPTION_KEY"
#: where a certificate's key lives: a PKCS#12 kept here, or a PKCS#11 token (services.token)
SOURCES = {"p12": "Tệp chứng thư số (.p12/.pfx)", "pkcs11": "USB token (PKCS#11)"}


class SigningCertificate(Base):
    __tablename__ = "signing_certificate"
    __audit_type__ = "signing_certificate"
    __table_args__ = (
        CheckConstraint("source IN ('p12', 'pkcs11')", name="source"),
        CheckConstraint("source = 'pkcs11' OR p12 IS NOT NULL", name="p12_kept"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    source: Mapped[str] = mapped_column(String(8), default="p12", server_default="p12")
    #: the PKCS#12 as uploaded (source "p12"); None for a token certificate
    p12: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: source "pkcs11": the token's label (CKA_LABEL of the token, 32 characters at most),
    #: the private key's CKA_ID (hex) and CKA_LABEL — where to find the key, nothing secret
    token_label: Mapped[str | None] = mapped_column(String(32))
    key_id: Mapped[str | None] = mapped_column(String(128))
    key_label: Mapped[str | None] = mapped_column(String(100))
    #: the school's opt-in (services.keystore): the PKCS#12 re-encrypted with a key from the
    #: environment (SODIENTU_KEY_ENCRYPTION_KEY) so signing needs no password; None otherwise
    sealed_key: Mapped[bytes | None] = mapped_column(LargeBinary)
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

    @property
    def on_token(self) -> bool:
        return self.source == "pkcs11"

    @property
    def source_label(self) -> str:
        return SOURCES[self.source]

    @property
    def secret_label(self) -> str:
        """What the owner types to sign with it (lower case, for a sentence)."""
        return "mã PIN của USB token" if self.on_token else "mật khẩu chứng thư số"

    @property
    def secret_title(self) -> str:
        """The same, for a label."""
        return "Mã PIN của USB token" if self.on_token else "Mật khẩu chứng thư số"

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


class SigningJob(Base):
    __tablename__ = "signing_job"
    __audit_type__ = "signing_job"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="state"),
        CheckConstraint("scope IN ('class', 'school')", name="scope"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))
    #: the class id, or 0 for the school
    scope_ref: Mapped[int] = mapped_column(Integer, default=0)
    label: Mapped[str] = mapped_column(String(200))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    state: Mapped[str] = mapped_column(String(10), default="queued")
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    signed: Mapped[int] = mapped_column(Integer, default=0)
    sealed: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    failed_code: Mapped[str | None] = mapped_column(String(9))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    requested_by: Mapped[User] = relationship()

    @property
    def state_label(self) -> str:
        return JOB_STATE_LABELS[self.state]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else (100 if self.state == "done" else 0)

    @property
    def last_seen(self) -> datetime:
        return self.heartbeat_at or self.started_at or self.created_at


class SigningJobItem(Base):
    """One document of a signing job, in class order."""

    __tablename__ = "signing_job_item"
    __table_args__ = (
        UniqueConstraint("job_id", "position", name="signing_job_item_position"),
        CheckConstraint("outcome IS NULL OR outcome IN ('signed', 'skipped')", name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("signing_job.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    document_id: Mapped[int] = mapped_column(ForeignKey("issued_document.id"))
    outcome: Mapped[str | None] = mapped_column(String(8))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    document: Mapped[IssuedDocument] = relationship()


class DeliveredCopy(Base):
    """A copy of an issued document handed to a family: the issued (or last signed) file
    `base_sha256`, byte for byte, plus one incremental update adding the annotation `line`
    ("Cấp cho phụ huynh của … — <date>"). Its sha256 lets /verify recognise it as that
    document ("bản cấp cho phụ huynh"), with its signatures still validated."""

    __tablename__ = "delivered_copy"
    __table_args__ = (UniqueConstraint("document_id", "base_sha256", "line", name="uq_delivered_copy_line"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("issued_document.id"), index=True)
    base_sha256: Mapped[str] = mapped_column(String(64))
    line: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
