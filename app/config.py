"""Defaults for the embedded set-up (SQLite and files in instance/, in-process jobs).

Overridden, in this order, by instance/config.py, then environment variables
(DATABASE_URL, REDIS_URL, SECRET_KEY and SODIENTU_<NAME>), then a test config.
"""

from __future__ import annotations

from datetime import timedelta


class Defaults:
    SODIENTU_TIMEZONE = "Asia/Ho_Chi_Minh"
    # Set SODIENTU_HTTPS=1 when the site is served over HTTPS (usually behind nginx):
    # cookies then get the __Host- prefix and the Secure flag, and HSTS is sent.
    SODIENTU_HTTPS = False
    # Number of reverse proxies in front of the app whose X-Forwarded-* headers we trust.
    SODIENTU_PROXY_HOPS = 0
    SODIENTU_UPLOAD_MAX_MB = 20
    # Report batches (báo liên lạc, học bạ) run on this many background threads of the web
    # process unless REDIS_URL is set (then on `flask worker`); a pause in seconds per
    # document of a batch leaves the CPU to interactive requests on a small server. A batch
    # draws its documents by chunks and records each chunk in one write transaction (its
    # progress bar moves by a chunk).
    SODIENTU_REPORT_THREADS = 2
    SODIENTU_REPORT_PAUSE = 0
    SODIENTU_REPORT_CHUNK = 20
    # Where uploads and generated files live (default: the instance folder).
    SODIENTU_DATA_DIR: str | None = None
    # Audit checkpoints (flask audit checkpoint): the signing key (HMAC; SECRET_KEY is used,
    # with a warning, when unset) and the directory they are written to (default
    # <DATA_DIR>/checkpoints — point it at another disk or a mounted share: a checkpoint
    # beside the database is lost or rewritten together with it).
    SODIENTU_CHECKPOINT_KEY: str | None = None
    # key of the digests that stand for contact and identity fields in audit events
    # (app.audit.services.PERSONAL_FIELDS); falls back to SECRET_KEY — keep it stable
    SODIENTU_AUDIT_DIGEST_KEY: str | None = None
    SODIENTU_CHECKPOINT_DIR: str | None = None
    # Where `flask backup` writes its archives when no --output is given (default
    # <DATA_DIR>/backups; better another disk, then copied off the server).
    SODIENTU_BACKUP_DIR: str | None = None
    SODIENTU_IDLE_MINUTES = 30
    # Signing (issue 11). The school's seal: a PKCS#12 path and its password, from the
    # environment or instance/config.py, never the repository. TRUST_ROOTS: PEM file(s) of
    # the trusted CA certificates (several paths separated by ":", os.pathsep; `flask signing
    # make-test-certs` writes a test CA), read by /verify. TSA_URL: an RFC 3161 timestamp server (PAdES B-T) when set.
    SODIENTU_SEAL_P12: str | None = None
    SODIENTU_SEAL_PASSWORD: str | None = None
    SODIENTU_TRUST_ROOTS: str | None = None
    SODIENTU_TSA_URL: str | None = None
    # The school's opt-in to keep people's signing keys on the server (Cài đặt on the
    # certificates page, off by default): each key is encrypted (AES-256-GCM) with a key
    # derived from this secret — environment only, never the database or the repository.
    # Changing or losing it makes every stored key unusable (people type their password).
    SODIENTU_KEY_ENCRYPTION_KEY: str | None = None
    # USB tokens (PKCS#11): the path of the PKCS#11 library (.so) that the school's CA
    # supplies with its tokens; the token is plugged into this server. Unset: no token
    # certificates (the certificates page says so).
    SODIENTU_PKCS11_MODULE: str | None = None
    # sign-in: after this many failures from one address for one username each further
    # attempt waits twice as long (2 s, 4 s …); the account itself locks only after
    # LOCK_AFTER failures from anywhere since its last sign-in (a lock anyone could cause
    # at 10 would let anyone lock a teacher out)
    SODIENTU_LOGIN_SLOWDOWN_AFTER = 3
    SODIENTU_LOGIN_LOCK_AFTER = 50
    SODIENTU_LOGIN_LOCK_MINUTES = 60
    # Argon2id cost (OWASP minimum profile: m=19 MiB, t=2, p=1).
    SODIENTU_ARGON2_TIME_COST = 2
    SODIENTU_ARGON2_MEMORY_KIB = 19 * 1024
    SODIENTU_ARGON2_PARALLELISM = 1

    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    SQLALCHEMY_RECORD_QUERIES = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(hours=10)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=10)  # absolute limit, enforced in accounts

    WTF_CSRF_TIME_LIMIT = None  # htmx pages stay open for hours; the token lives with the session
    WTF_CSRF_SSL_STRICT = True

    # counters every worker shares: Redis when REDIS_URL is set, else the app's database
    # (app.core.ratelimit); fixed windows on the database, moving windows on Redis
    RATELIMIT_STORAGE_URI = "sodientu-db://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STRATEGY = "fixed-window"
    SODIENTU_LOGIN_RATE = "20 per minute"
    # the public verification page /verify/<code> (per IP, every worker counting together);
    # uploads (a PDF checked with pyHanko) have a stricter limit of their own
    SODIENTU_VERIFY_RATE = "30 per minute"
    SODIENTU_VERIFY_UPLOAD_RATE = "10 per minute"
    SODIENTU_VERIFY_MAX_MB = 15
    # the school intranet's public base URL, printed on every issued PDF as
    # <SODIENTU_PUBLIC_URL>/verify/<code> (text and QR code); set it to what phones can reach
    SODIENTU_PUBLIC_URL = "http://127.0.0.1:5000"
    # refusals (403/404) one user may collect in a minute before every refusal answers 429
    SODIENTU_PROBE_LIMIT = 60
    # parent links (app.parents): failed link attempts one IP may make (404s only count),
    # the view cookie's life, and how long the access log is kept (school setting
    # parents.access_log_days overrides it)
    SODIENTU_PARENT_FAIL_RATE = "20 per 10 minutes"
    SODIENTU_PARENT_COOKIE_MINUTES = 30
    SODIENTU_PARENT_LOG_DAYS = 365

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
