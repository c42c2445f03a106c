"""The signing domain's writers: registering certificates (certificates.py) and signing
issued documents in order (signing.py). pki.py and pades.py are pure helpers (no database);
every key is opened through the interface of keys.py (sources.py picks the source: a
PKCS#12 and its password, the stored key, a USB token and its PIN — token.py)."""

from __future__ import annotations

from app.signing.services import batch, certificates, keystore, revoking, signing, sources, token
from app.signing.services.certificates import open_seal, register, register_token, seal_configured
from app.signing.services.pki import CertificateError
from app.signing.services.signing import current_bytes, current_sha256, open_for_signing, seal, sign

#: the Vietnamese label of every audit action this package writes (registered with audit)
ACTION_LABELS = {
    "signing.certificate_registered": "Đăng ký chứng thư số cá nhân",
    "signing.signed": "Ký số văn bản (học bạ, sổ theo dõi)",
    "signing.sealed": "Đóng dấu số của trường lên văn bản",
    "signing.test_certs_made": "Tạo bộ chứng thư số thử nghiệm",
    "signing.downloaded": "Tải bản đã ký của văn bản",
    **batch.ACTION_LABELS,
    **revoking.ACTION_LABELS,
    **keystore.ACTION_LABELS,
}
FEED_ACTIONS = ("signing.sealed", "signing.job_finished")

__all__ = [
    "ACTION_LABELS",
    "FEED_ACTIONS",
    "CertificateError",
    "batch",
    "certificates",
    "current_bytes",
    "current_sha256",
    "open_for_signing",
    "open_seal",
    "keystore",
    "register",
    "register_token",
    "revoking",
    "seal",
    "seal_configured",
    "sign",
    "signing",
    "sources",
    "token",
]
