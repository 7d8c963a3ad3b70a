"""Django settings, read strictly from the environment (documented in .env.example).

Every variable has a safe default for the embedded profile (SQLite in the data directory);
``QUNGUAN_PROFILE=production`` turns on the HTTPS-only settings that `check --deploy` wants.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from qunguan.accounts.client_ip import parse_trusted_proxies

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false)")


def _env_secret(name: str) -> str | None:
    """Return ``NAME`` or the content of the file named by ``NAME_FILE`` (for container secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text(encoding="utf-8").strip()
    return os.environ.get(name) or None


DATA_DIR = Path(os.environ.get("QUNGUAN_DATA_DIR") or Path.cwd() / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)
PROFILE = os.environ.get("QUNGUAN_PROFILE", "embedded")
if PROFILE not in {"embedded", "production"}:
    raise ImproperlyConfigured(f"QUNGUAN_PROFILE={PROFILE!r}: expected 'embedded' or 'production'")
PRODUCTION = PROFILE == "production"


def _secret_key() -> str:
    """Return SECRET_KEY from the environment, else one generated on first run and kept in DATA_DIR."""
    key = _env_secret("SECRET_KEY")
    if key:
        return key
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
DEBUG = _env_bool("QUNGUAN_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    # First, so that its createsuperuser (which also grants the supervisor role) wins over
    # django.contrib.auth's command of the same name.
    "qunguan.accounts",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "ninja",  # serves the Swagger UI assets from /static/ (no CDN on an offline campus network)
    "qunguan.auditlog",
    "qunguan.registry",
    "qunguan.approvals",
    "qunguan.web",
    "qunguan.api",
    "qunguan.filing",
    "qunguan.chats",
    "qunguan.unregistered",
    "qunguan.members",
    "qunguan.incidents",
    "qunguan.demo",
    "qunguan.gateway",
    "qunguan.campaigns",
    "qunguan.scheduler",
    "qunguan.ops",
    "qunguan.notify",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "qunguan.ops.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # before the CSRF check, which is the first to read a form: keeps upload names with a path
    "qunguan.web.upload_names.UploadNameMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qunguan.urls"
WSGI_APPLICATION = "qunguan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qunguan.web.context.nav",
            ],
        },
    },
]

_default_db = f"sqlite:///{DATA_DIR / 'qunguan.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL") or _default_db, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web UI read while an import or the gateway writes; IMMEDIATE avoids
    # "database is locked" upgrades in the middle of a write transaction.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT compilation: it pays off for long analytic queries, not for a page's. PostgreSQL
    # compiles any query whose estimated cost passes jit_above_cost, and at 10 million messages
    # the review queue's capped count spent 19 of its 46 ms compiling (docs/benchmarks.md,
    # "Scale"). An operator's own ``options=... -c jit=on`` in DATABASE_URL is kept.
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    if "jit" not in str(_pg_options.get("options", "")):
        _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Single sign-on (统一身份认证): each does nothing until its server is configured below.
    "qunguan.accounts.backends.LDAPBackend",
    "qunguan.accounts.backends.CASBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock a username+IP pair after 5 failures for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("QUNGUAN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_LOCKOUT_TEMPLATE = "web/lockout.html"  # a Chinese page instead of axes' English text
# Behind nginx: X-Forwarded-For is believed only from these proxies (addresses or networks),
# so that each client is locked out on its own and a forged header from elsewhere is ignored.
QUNGUAN_TRUSTED_PROXIES = parse_trusted_proxies(os.environ.get("QUNGUAN_TRUSTED_PROXIES", ""))
AXES_CLIENT_IP_CALLABLE = "qunguan.accounts.client_ip.client_ip"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "uploads"  # outside the web root: served only through access-checked views
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploaded files (signed scans, rules documents, rosters) hold personal data: readable by the
# service account only (Django's default would be 644 and a 755 folder).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
QUNGUAN_MAX_UPLOAD_BYTES = int(os.environ.get("QUNGUAN_MAX_UPLOAD_BYTES", str(20 * 1024 * 1024)))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600  # one working day
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = False  # the API docs page reads it for "try it out"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_bool("QUNGUAN_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("QUNGUAN_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Registry rules that a deployment may tune.
QUNGUAN_MAX_GROUP_SIZE = int(os.environ.get("QUNGUAN_MAX_GROUP_SIZE", "150"))
# Days without a stored message after which a group counts as inactive (管理办法 4(1)).
QUNGUAN_INACTIVE_DAYS = int(os.environ.get("QUNGUAN_INACTIVE_DAYS", "90"))
# Member overlap (Jaccard index of the latest member lists) from which two groups of one unit
# count as duplicates (管理办法 4(1)).
QUNGUAN_DUPLICATE_JACCARD = float(os.environ.get("QUNGUAN_DUPLICATE_JACCARD", "0.8"))
if QUNGUAN_INACTIVE_DAYS < 1:
    raise ImproperlyConfigured(
        f"QUNGUAN_INACTIVE_DAYS={QUNGUAN_INACTIVE_DAYS}: expected a positive number of days"
    )
if not 0 < QUNGUAN_DUPLICATE_JACCARD <= 1:
    raise ImproperlyConfigured(
        f"QUNGUAN_DUPLICATE_JACCARD={QUNGUAN_DUPLICATE_JACCARD}: expected a number in (0, 1]"
    )
# In a school of more than 2,000 groups the dashboard and registry list show the registry checks'
# result computed at most this many seconds ago (shared by the web processes through a file cache
# in the data directory); 0 runs the checks on every request. qunguan/web/breaches.py.
QUNGUAN_CHECKS_CACHE_SECONDS = int(os.environ.get("QUNGUAN_CHECKS_CACHE_SECONDS", "120"))
if QUNGUAN_CHECKS_CACHE_SECONDS < 0:
    raise ImproperlyConfigured(
        f"QUNGUAN_CHECKS_CACHE_SECONDS={QUNGUAN_CHECKS_CACHE_SECONDS}: expected a number of seconds, 0 or more"
    )
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "checks": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "checks"),
    },
}
# Days a dissolved group stays restorable before it leaves the active registry (管理办法 3(5)).
QUNGUAN_RESTORE_DAYS = int(os.environ.get("QUNGUAN_RESTORE_DAYS", "30"))
# Days before a temporary group's end date from which its unit is reminded (管理办法 3(5)).
QUNGUAN_TEMPORARY_REMIND_DAYS = int(os.environ.get("QUNGUAN_TEMPORARY_REMIND_DAYS", "7"))
if QUNGUAN_RESTORE_DAYS < 0 or QUNGUAN_TEMPORARY_REMIND_DAYS < 0:
    raise ImproperlyConfigured(
        "QUNGUAN_RESTORE_DAYS and QUNGUAN_TEMPORARY_REMIND_DAYS: expected a number of days, 0 or more"
    )
# The school's name as printed in the titles of official forms (备案登记表).
QUNGUAN_SCHOOL_NAME = (os.environ.get("QUNGUAN_SCHOOL_NAME") or "").strip() or "本校"
# The filing form as PDF: a TrueType font file to embed ("" = a CJK font found on the server,
# "cid" = the reader's own 宋体, not embedded). See qunguan/filing/pdf_writer.py.
QUNGUAN_PDF_FONT = os.environ.get("QUNGUAN_PDF_FONT", "").strip()
# Largest signed and stamped filing form (PDF/JPG/PNG) a unit may upload, in bytes. Default 10 MiB.
QUNGUAN_FILING_SCAN_MAX_BYTES = int(os.environ.get("QUNGUAN_FILING_SCAN_MAX_BYTES", str(10 * 1024 * 1024)))
# Largest chat export a unit manager may upload on the web (导入聊天记录); it is imported in the
# request, so larger files go through `qunguan import`. Default 20 MiB (about 150,000 messages).
QUNGUAN_CHAT_UPLOAD_MAX_BYTES = int(os.environ.get("QUNGUAN_CHAT_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
if QUNGUAN_CHAT_UPLOAD_MAX_BYTES < 1:
    raise ImproperlyConfigured("QUNGUAN_CHAT_UPLOAD_MAX_BYTES: expected a positive number of bytes")
# Seconds after its last heartbeat (written with every stored batch) that a running chat import
# counts as cut off on any host; on its own host a dead process counts at once. Default 300.
QUNGUAN_IMPORT_STALE_SECONDS = int(os.environ.get("QUNGUAN_IMPORT_STALE_SECONDS", "300"))
if QUNGUAN_IMPORT_STALE_SECONDS < 10:
    raise ImproperlyConfigured(
        f"QUNGUAN_IMPORT_STALE_SECONDS={QUNGUAN_IMPORT_STALE_SECONDS}: expected a number of seconds, at least 10"
    )
# Messages per transaction of a chat import. A batch holds the SQLite write lock while it is
# stored (about a tenth of a second at 2,000; the web and the gateway wait for it), and an import
# cut off loses at most the batch it was storing. Since fingerprints begin with their time
# (chats.0010) a commit writes few pages of the fingerprint index, and batches of 2,000 import as
# fast as batches of 10,000 (docs/benchmarks.md, "Seventh pass"). Default 2,000.
QUNGUAN_IMPORT_BATCH_MESSAGES = int(os.environ.get("QUNGUAN_IMPORT_BATCH_MESSAGES", "2000"))
if QUNGUAN_IMPORT_BATCH_MESSAGES < 100:
    raise ImproperlyConfigured(
        f"QUNGUAN_IMPORT_BATCH_MESSAGES={QUNGUAN_IMPORT_BATCH_MESSAGES}: expected a number of messages, at least 100"
    )
# Days a stored chat message keeps its text (消息保留期限); after that the daily job
# `retention_purge` empties the text and marks the message purged, while findings and cases keep
# their masked evidence. 0 keeps messages forever. Default 180.
QUNGUAN_MESSAGE_RETENTION_DAYS = int(os.environ.get("QUNGUAN_MESSAGE_RETENTION_DAYS", "180"))
if QUNGUAN_MESSAGE_RETENTION_DAYS < 0:
    raise ImproperlyConfigured(
        f"QUNGUAN_MESSAGE_RETENTION_DAYS={QUNGUAN_MESSAGE_RETENTION_DAYS}: expected 0 (keep forever) or a number of days"
    )
# Seconds a scheduled job holds its lease; a job whose process died is run again after this.
QUNGUAN_SCHEDULER_LEASE_SECONDS = int(os.environ.get("QUNGUAN_SCHEDULER_LEASE_SECONDS", "900"))
if QUNGUAN_FILING_SCAN_MAX_BYTES < 1 or QUNGUAN_SCHEDULER_LEASE_SECONDS < 1:
    raise ImproperlyConfigured(
        "QUNGUAN_FILING_SCAN_MAX_BYTES and QUNGUAN_SCHEDULER_LEASE_SECONDS: expected a positive number"
    )

# Single sign-on (统一身份认证). LDAP is on when QUNGUAN_LDAP_URL is set, CAS when
# QUNGUAN_CAS_SERVER_URL is; both map the directory's 工号/学号 to a roster person.
QUNGUAN_LDAP_URL = os.environ.get("QUNGUAN_LDAP_URL", "").strip()
QUNGUAN_LDAP_START_TLS = _env_bool("QUNGUAN_LDAP_START_TLS", False)
QUNGUAN_LDAP_CA_FILE = os.environ.get("QUNGUAN_LDAP_CA_FILE", "").strip()
QUNGUAN_LDAP_BIND_DN = os.environ.get("QUNGUAN_LDAP_BIND_DN", "").strip()
QUNGUAN_LDAP_BIND_PASSWORD = _env_secret("QUNGUAN_LDAP_BIND_PASSWORD") or ""
QUNGUAN_LDAP_USER_BASE = os.environ.get("QUNGUAN_LDAP_USER_BASE", "").strip()
QUNGUAN_LDAP_USER_FILTER = os.environ.get("QUNGUAN_LDAP_USER_FILTER", "").strip() or "(uid={username})"
QUNGUAN_LDAP_NUMBER_ATTRIBUTE = (
    os.environ.get("QUNGUAN_LDAP_NUMBER_ATTRIBUTE", "").strip() or "employeeNumber"
)
QUNGUAN_LDAP_TIMEOUT = float(os.environ.get("QUNGUAN_LDAP_TIMEOUT", "5"))
QUNGUAN_CAS_SERVER_URL = os.environ.get("QUNGUAN_CAS_SERVER_URL", "").strip()
QUNGUAN_CAS_VERSION = os.environ.get("QUNGUAN_CAS_VERSION", "3").strip()
if QUNGUAN_CAS_VERSION not in {"2", "3"}:
    raise ImproperlyConfigured(f"QUNGUAN_CAS_VERSION={QUNGUAN_CAS_VERSION!r}: expected 2 or 3")
# Empty: the CAS user name is the 工号/学号; else the name of a CAS 3.0 attribute that holds it.
QUNGUAN_CAS_NUMBER_ATTRIBUTE = os.environ.get("QUNGUAN_CAS_NUMBER_ATTRIBUTE", "").strip()
QUNGUAN_CAS_TIMEOUT = float(os.environ.get("QUNGUAN_CAS_TIMEOUT", "5"))
# A roster person without an account gets one (no roles) on first sign-on.
QUNGUAN_SSO_CREATE_ACCOUNTS = _env_bool("QUNGUAN_SSO_CREATE_ACCOUNTS", True)
# Who may log in with a local password: "all" (default) or "supervisor" (everyone else through SSO).
QUNGUAN_LOCAL_LOGIN = os.environ.get("QUNGUAN_LOCAL_LOGIN", "").strip() or "all"
if QUNGUAN_LOCAL_LOGIN not in {"all", "supervisor"}:
    raise ImproperlyConfigured(f"QUNGUAN_LOCAL_LOGIN={QUNGUAN_LOCAL_LOGIN!r}: expected 'all' or 'supervisor'")

# Notifications (通知). E-mail goes out over SMTP only when QUNGUAN_EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("QUNGUAN_EMAIL_HOST", "").strip()
EMAIL_PORT = int(os.environ.get("QUNGUAN_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("QUNGUAN_EMAIL_USER", "").strip()
EMAIL_HOST_PASSWORD = _env_secret("QUNGUAN_EMAIL_PASSWORD") or ""
QUNGUAN_EMAIL_SECURITY = os.environ.get("QUNGUAN_EMAIL_SECURITY", "none").strip().lower() or "none"
if QUNGUAN_EMAIL_SECURITY not in {"none", "starttls", "ssl"}:
    raise ImproperlyConfigured(
        f"QUNGUAN_EMAIL_SECURITY={QUNGUAN_EMAIL_SECURITY!r}: expected none, starttls or ssl"
    )
EMAIL_USE_TLS = QUNGUAN_EMAIL_SECURITY == "starttls"
EMAIL_USE_SSL = QUNGUAN_EMAIL_SECURITY == "ssl"
EMAIL_TIMEOUT = float(os.environ.get("QUNGUAN_EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = os.environ.get("QUNGUAN_EMAIL_FROM", "").strip() or "群管 <qunguan@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
QUNGUAN_EMAIL_SUBJECT_PREFIX = os.environ.get("QUNGUAN_EMAIL_SUBJECT_PREFIX", "[群管] ")
QUNGUAN_WECOM_TIMEOUT = float(os.environ.get("QUNGUAN_WECOM_TIMEOUT", "5"))
# Local hour (Asia/Shanghai) from which the daily digest of low-severity notices goes out.
QUNGUAN_NOTIFY_DIGEST_HOUR = int(os.environ.get("QUNGUAN_NOTIFY_DIGEST_HOUR", "8"))
if not 0 <= QUNGUAN_NOTIFY_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured(f"QUNGUAN_NOTIFY_DIGEST_HOUR={QUNGUAN_NOTIFY_DIGEST_HOUR}: expected 0-23")
# Attempts per delivery, and the first retry delay in seconds (doubled after each failure).
QUNGUAN_NOTIFY_MAX_ATTEMPTS = int(os.environ.get("QUNGUAN_NOTIFY_MAX_ATTEMPTS", "5"))
QUNGUAN_NOTIFY_RETRY_SECONDS = int(os.environ.get("QUNGUAN_NOTIFY_RETRY_SECONDS", "60"))
if QUNGUAN_NOTIFY_MAX_ATTEMPTS < 1 or QUNGUAN_NOTIFY_RETRY_SECONDS < 1:
    raise ImproperlyConfigured(
        "QUNGUAN_NOTIFY_MAX_ATTEMPTS and QUNGUAN_NOTIFY_RETRY_SECONDS must be positive"
    )
# Days a read notification and a finished delivery are kept before the notify_purge job deletes them.
QUNGUAN_NOTIFICATION_RETENTION_DAYS = int(os.environ.get("QUNGUAN_NOTIFICATION_RETENTION_DAYS", "365"))
if QUNGUAN_NOTIFICATION_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(
        f"QUNGUAN_NOTIFICATION_RETENTION_DAYS={QUNGUAN_NOTIFICATION_RETENTION_DAYS}: expected a positive number of days"
    )
# The site's address as users reach it, for links in e-mails and robot messages.
QUNGUAN_BASE_URL = os.environ.get("QUNGUAN_BASE_URL", "").strip().rstrip("/")

# The live QQ gateway (qunguan gateway, OneBot v11). See docs/gateway.md.
QUNGUAN_GATEWAY_HOST = os.environ.get("QUNGUAN_GATEWAY_HOST", "").strip() or "127.0.0.1"
QUNGUAN_GATEWAY_PORT = int(os.environ.get("QUNGUAN_GATEWAY_PORT", "8090"))
QUNGUAN_GATEWAY_TOKEN = _env_secret("QUNGUAN_GATEWAY_TOKEN") or ""
QUNGUAN_GATEWAY_SECRET = _env_secret("QUNGUAN_GATEWAY_SECRET") or ""
QUNGUAN_GATEWAY_FORWARD_URLS = [
    u.strip() for u in os.environ.get("QUNGUAN_GATEWAY_FORWARD_URLS", "").split(",") if u.strip()
]
QUNGUAN_GATEWAY_HTTP_API = os.environ.get("QUNGUAN_GATEWAY_HTTP_API", "").strip()
QUNGUAN_GATEWAY_API_TIMEOUT = float(os.environ.get("QUNGUAN_GATEWAY_API_TIMEOUT", "10"))
QUNGUAN_GATEWAY_MAX_FRAME = int(os.environ.get("QUNGUAN_GATEWAY_MAX_FRAME", str(1024 * 1024)))
QUNGUAN_GATEWAY_MUTE_AFTER = int(os.environ.get("QUNGUAN_GATEWAY_MUTE_AFTER", "3"))
QUNGUAN_GATEWAY_WARN_WINDOW_HOURS = float(os.environ.get("QUNGUAN_GATEWAY_WARN_WINDOW_HOURS", "168"))
QUNGUAN_GATEWAY_MUTE_MINUTES = int(os.environ.get("QUNGUAN_GATEWAY_MUTE_MINUTES", "60"))
QUNGUAN_GATEWAY_JOIN_UNKNOWN = os.environ.get("QUNGUAN_GATEWAY_JOIN_UNKNOWN", "hold").strip() or "hold"
QUNGUAN_GATEWAY_SYNC_MINUTES = float(os.environ.get("QUNGUAN_GATEWAY_SYNC_MINUTES", "30"))
# Text in image messages (OCR, the optional extra qunguan[ocr]): on when installed unless switched off.
QUNGUAN_GATEWAY_OCR = _env_bool("QUNGUAN_GATEWAY_OCR", True)
QUNGUAN_GATEWAY_OCR_MAX_BYTES = int(os.environ.get("QUNGUAN_GATEWAY_OCR_MAX_BYTES", str(5 * 1024 * 1024)))
QUNGUAN_GATEWAY_OCR_TIMEOUT = float(os.environ.get("QUNGUAN_GATEWAY_OCR_TIMEOUT", "10"))
if QUNGUAN_GATEWAY_OCR_MAX_BYTES < 1 or QUNGUAN_GATEWAY_OCR_TIMEOUT <= 0:
    raise ImproperlyConfigured(
        "QUNGUAN_GATEWAY_OCR_MAX_BYTES and QUNGUAN_GATEWAY_OCR_TIMEOUT must be positive"
    )
if QUNGUAN_GATEWAY_JOIN_UNKNOWN not in {"hold", "reject"}:
    raise ImproperlyConfigured(
        f"QUNGUAN_GATEWAY_JOIN_UNKNOWN={QUNGUAN_GATEWAY_JOIN_UNKNOWN!r}: expected 'hold' or 'reject'"
    )
if QUNGUAN_GATEWAY_MUTE_AFTER < 1 or QUNGUAN_GATEWAY_MUTE_MINUTES < 1 or QUNGUAN_GATEWAY_API_TIMEOUT <= 0:
    raise ImproperlyConfigured(
        "QUNGUAN_GATEWAY_MUTE_AFTER, QUNGUAN_GATEWAY_MUTE_MINUTES and QUNGUAN_GATEWAY_API_TIMEOUT must be positive"
    )

# Operations: /metrics answers a bearer token when one is set, else loopback requests only.
QUNGUAN_METRICS_TOKEN = _env_secret("QUNGUAN_METRICS_TOKEN") or ""
QUNGUAN_BACKUP_DIR = Path(os.environ.get("QUNGUAN_BACKUP_DIR") or DATA_DIR / "backups").resolve()
# A key file makes `qunguan backup` encrypt its archives and `qunguan restore` decrypt them.
_backup_key_file = os.environ.get("QUNGUAN_BACKUP_KEY_FILE", "").strip()
QUNGUAN_BACKUP_KEY_FILE = Path(_backup_key_file) if _backup_key_file else None
QUNGUAN_LOG_FORMAT = os.environ.get("QUNGUAN_LOG_FORMAT", "plain").strip() or "plain"
if QUNGUAN_LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"QUNGUAN_LOG_FORMAT={QUNGUAN_LOG_FORMAT!r}: expected 'plain' or 'json'")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "qunguan.ops.logs.JsonFormatter"},  # one JSON object a line
    },
    # Every handler masks ID, phone and bank card numbers (qunguan.ops.logs.PersonalDataFilter);
    # tests/privacy fails for a handler without the filter.
    "filters": {"personal_data": {"()": "qunguan.ops.logs.PersonalDataFilter"}},
    "handlers": {
        "console": {
            "class": "qunguan.ops.logs.StderrHandler",  # sys.stderr as it is at each record
            "formatter": QUNGUAN_LOG_FORMAT,
            "filters": ["personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("QUNGUAN_LOG_LEVEL", "INFO")},
    # Django's own handlers (its console and mail_admins) go: its records reach the root's
    # masked console instead.
    "loggers": {"axes": {"level": "WARNING"}, "django": {"handlers": [], "level": "INFO", "propagate": True}},
}
