"""JointCredit settings: every deployment-specific value comes from the environment.

Variables (see docs/configuration.md):
  JOINTCREDIT_DEBUG        "1" turns DEBUG on (development only; off by default)
  SECRET_KEY               required when DEBUG is off
  DATABASE_URL             sqlite:///path or postgres://user@host:port/db (default: embedded SQLite)
  ALLOWED_HOSTS            comma-separated (default: localhost names)
  CONN_MAX_AGE             seconds to keep DB connections (default 600; persistent connections
                           are mandatory for throughput, see DESIGN.md §5)
  EMAIL_URL-like settings  EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS
  JOINTCREDIT_PORT         port of the development server (default 8000)
  JOINTCREDIT_SITE_URL     public base URL used in letters, e-mails and report QR codes
                           (default http://127.0.0.1:<JOINTCREDIT_PORT>)
  JOINTCREDIT_ENV_FILE     development settings file (default var/local.env, written by `make run`;
                           see config/localenv.py); the environment wins over it
  JOINTCREDIT_AUDIT_KEY    HMAC key of the audit chain, required when DEBUG is off (ADR 0015)
  JOINTCREDIT_AUDIT_KEYS   instead of it: "kid:key" entries, oldest first, for key rotation (ADR 0035)
  JOINTCREDIT_AUDIT_CHECKPOINT_DIR  where signed audit checkpoints are appended
                           (default var/audit-checkpoints)
  JOINTCREDIT_OIDC_*       government single sign-on of the credit service (docs/identity.md)
  JOINTCREDIT_DEVIDP       "1" mounts the local identity provider (default: on with DEBUG/tests)
  JOINTCREDIT_PARTITION_RETENTION_DAYS  archive partitions older than this (default 0: keep all)
  JOINTCREDIT_PARTITION_ARCHIVE_DIR     where archived partitions go (default var/partition-archive)
  PLATFORM_EXCHANGE_DATABASE_URL  the exchange database (前置库) shared with the upstream platform
                           (default: a second SQLite file next to the main one, or the database
                           "<main>_exchange" on the same PostgreSQL server; docs/platforms.md)
  DATABASE_REPLICA_URLS    comma-separated postgres:// URLs of streaming standbys answering lag-tolerant
                           reads (ADR 0048, docs/scale.md §5); with DATABASE_REPLICA_MAX_LAG
                           (seconds, default 10), DATABASE_REPLICA_CHECK_SECONDS (health check cache,
                           default 5), DATABASE_REPLICA_PIN_SECONDS (reads on the primary after a write,
                           default max lag + check + 1), DATABASE_REPLICA_CONNECT_TIMEOUT (default 2)
  DATABASE_POOL            "MAX" or "MIN,MAX": psycopg's connection pool per process instead of
                           CONN_MAX_AGE (DATABASE_POOL_TIMEOUT seconds to wait for a connection, default 10)
  DATABASE_DISABLE_SERVER_SIDE_CURSORS  "1" behind PgBouncer in transaction mode (docs/deploy.md)
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from jointcredit.config import databases, localenv

BASE_DIR = Path(__file__).resolve().parent.parent  # src/jointcredit
PROJECT_DIR = BASE_DIR.parent.parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


TESTING = "pytest" in sys.modules or os.environ.get("JOINTCREDIT_TESTING") == "1"
if not TESTING:
    # A developer's var/local.env must not change what the tests see.
    localenv.apply(localenv.path_from_environment())
VAR_DIR = Path(os.environ.get("JOINTCREDIT_VAR_DIR", PROJECT_DIR / "var"))
DEBUG = _env_bool("JOINTCREDIT_DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
    else:
        raise ImproperlyConfigured(
            "生产环境必须设置环境变量 SECRET_KEY（开发环境请先运行 make run，它会生成 var/local.env）。"
        )

ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
JOINTCREDIT_PORT = int(os.environ.get("JOINTCREDIT_PORT", "8000"))
# Every generated link (report QR codes, letters, e-mails) starts with this.
SITE_URL = (os.environ.get("JOINTCREDIT_SITE_URL") or f"http://127.0.0.1:{JOINTCREDIT_PORT}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "ninja",  # Swagger UI served from our own static files (no CDN: intranets have none)
    "django.contrib.humanize",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "jointcredit.common",
    "jointcredit.accounts",
    "jointcredit.audit",
    "jointcredit.calendar",
    "jointcredit.operations",
    "jointcredit.subjects",
    "jointcredit.exchange",
    "jointcredit.records",
    "jointcredit.relations",
    "jointcredit.measures",
    "jointcredit.lists",
    "jointcredit.casework",
    "jointcredit.objections",
    "jointcredit.repairs",
    "jointcredit.platforms",
    "jointcredit.grading",
    "jointcredit.commitments",
    "jointcredit.catalog",
    "jointcredit.publicity",
    "jointcredit.portal",
    "jointcredit.workbench",
    "jointcredit.demo",
]

# Local OpenID provider for development, demo and tests (docs/identity.md): never in production
# unless asked for explicitly.
DEVIDP = _env_bool("JOINTCREDIT_DEVIDP", DEBUG or TESTING)
if DEVIDP:
    INSTALLED_APPS += ["jointcredit.devidp.apps.OidcProviderConfig", "jointcredit.devidp"]
    OIDC_LOGIN_URL = "/devidp/login/"
    OIDC_USERINFO = "jointcredit.devidp.claims.userinfo"
    OIDC_EXTRA_SCOPE_CLAIMS = "jointcredit.devidp.claims.IdentityScopeClaims"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jointcredit.common.middleware.RequestIdMiddleware",
    # After a write the client reads the primary for a while (read replicas, ADR 0048).
    "jointcredit.common.replicas.PrimaryPinMiddleware",
    # Over-large uploads are refused while they stream in, before CSRF reads request.POST (ADR 0030).
    "jointcredit.common.uploads.UploadLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "jointcredit.common.middleware.SecurityHeadersMiddleware",
    # Axes must be last: it turns locked-out logins into a 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jointcredit.config.urls"
WSGI_APPLICATION = "jointcredit.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jointcredit.common.context_processors.site",
                "jointcredit.workbench.context_processors.staff",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'jointcredit.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL", DEFAULT_SQLITE_URL)
_scheme = DATABASE_URL.split(":", 1)[0].lower()
if _scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
    raise ImproperlyConfigured(
        f"DATABASE_URL 的协议“{_scheme}”不受支持：请使用 sqlite:///路径 或 postgres://用户@主机:端口/库名。"
    )
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")))
except (ValueError, KeyError) as exc:  # pragma: no cover - message path is tested via subprocess
    raise ImproperlyConfigured(f"DATABASE_URL 格式错误：{exc}") from exc
_db["CONN_HEALTH_CHECKS"] = True
if _db["ENGINE"] == "django.db.backends.postgresql":
    # Same backend, health check without a `SELECT 1` round trip per request (docs/adr/0011).
    _db["ENGINE"] = "jointcredit.common.pgbackend"
if _db["ENGINE"] == "django.db.backends.sqlite3":
    Path(_db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL + IMMEDIATE transactions: concurrent readers never block, writers queue instead of
    # failing with "database is locked", and a kill -9 never loses a committed transaction.
    _db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _db["CONN_MAX_AGE"] = 0 if TESTING else _db["CONN_MAX_AGE"]
# The exchange database (前置库) shared with the upstream platform: its own alias, plain SQL, no
# migrations (ADR 0038). Tests get their own copy (test_<name>) from Django's test runner.
PLATFORM_EXCHANGE_DATABASE = "platform_exchange"
if "PLATFORM_EXCHANGE_DATABASE_URL" in os.environ:
    PLATFORM_EXCHANGE_DATABASE_URL = os.environ["PLATFORM_EXCHANGE_DATABASE_URL"]
elif _db["ENGINE"] == "django.db.backends.sqlite3":
    PLATFORM_EXCHANGE_DATABASE_URL = f"sqlite:///{Path(_db['NAME']).with_name('platform-exchange.sqlite3')}"
else:
    PLATFORM_EXCHANGE_DATABASE_URL = DATABASE_URL.rsplit("/", 1)[0] + f"/{_db['NAME']}_exchange"
try:
    _xdb = dj_database_url.parse(PLATFORM_EXCHANGE_DATABASE_URL, conn_max_age=_db["CONN_MAX_AGE"])
except (ValueError, KeyError) as exc:  # pragma: no cover
    raise ImproperlyConfigured(f"PLATFORM_EXCHANGE_DATABASE_URL 格式错误：{exc}") from exc
if _xdb["ENGINE"] == "django.db.backends.sqlite3":
    Path(_xdb["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _xdb["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
_xdb["TEST"] = {"MIGRATE": False}
DATABASES = {"default": _db, PLATFORM_EXCHANGE_DATABASE: _xdb}
# Read replicas (ADR 0048, docs/scale.md §5): streaming standbys "replica1", "replica2"… that
# answer the reads of lag-tolerant views (common.replicas). DATABASE_REPLICAS is the rotation: empty
# under the tests, whose transactions only the primary sees (tests/replicas turns it on).
DATABASE_REPLICA_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_REPLICA_CONNECT_TIMEOUT", "2"))
_replicas = databases.replica_databases(
    os.environ.get("DATABASE_REPLICA_URLS", ""), primary=_db, connect_timeout=DATABASE_REPLICA_CONNECT_TIMEOUT
)
DATABASES.update(_replicas)
DATABASE_REPLICA_ALIASES = list(_replicas)
DATABASE_REPLICAS = [] if TESTING else DATABASE_REPLICA_ALIASES
DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG", "10"))
DATABASE_REPLICA_CHECK_SECONDS = float(os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", "5"))
# A client that has written reads the primary this long: more than a replica in rotation can lag.
DATABASE_REPLICA_PIN_SECONDS = int(
    os.environ.get(
        "DATABASE_REPLICA_PIN_SECONDS",
        str(int(DATABASE_REPLICA_MAX_LAG + DATABASE_REPLICA_CHECK_SECONDS) + 1),
    )
)
# Connection pool (psycopg_pool through Django's "pool" option) for the primary and the replicas, e.g.
# DATABASE_POOL=4,20 per process; it replaces CONN_MAX_AGE. PgBouncer instead: docs/deploy.md.
if os.environ.get("DATABASE_POOL"):
    _pool = databases.pool_options(os.environ["DATABASE_POOL"])
    for _alias in ["default", *DATABASE_REPLICA_ALIASES]:
        databases.pool_apply(
            DATABASES[_alias], _pool, timeout=float(os.environ.get("DATABASE_POOL_TIMEOUT", "10"))
        )
if _env_bool("DATABASE_DISABLE_SERVER_SIDE_CURSORS", False):
    # PgBouncer in transaction mode: a server-side cursor (QuerySet.iterator()) outlives the
    # transaction PgBouncer pinned to one server connection (docs/deploy.md).
    for _alias in ["default", *DATABASE_REPLICA_ALIASES]:
        DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = True
# The replica router answers every read and write (the primary unless a lag-tolerant view reads); the
# exchange router only refuses migrations on the exchange database.
DATABASE_ROUTERS = [
    "jointcredit.common.replicas.ReplicaRouter",
    "jointcredit.platforms.routers.ExchangeDatabaseRouter",
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = _db["ENGINE"] in {"jointcredit.common.pgbackend", "django.db.backends.postgresql"}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "workbench:home"
LOGOUT_REDIRECT_URL = "portal:home"

# Login throttling (django-axes): 5 failures per user+IP lock for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_SENSITIVE_PARAMETERS = ["password", "token"]
AXES_ENABLED = not _env_bool("JOINTCREDIT_AXES_DISABLED", False)

PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    ]
)

# --- I18N -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static / media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", PROJECT_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# The daily public extracts (ADR 0031, docs/portal.md “公开数据下载”) and how many dates are kept.
JOINTCREDIT_EXTRACT_DIR = Path(os.environ.get("JOINTCREDIT_EXTRACT_DIR", MEDIA_ROOT / "extracts"))
JOINTCREDIT_EXTRACT_KEEP = int(os.environ.get("JOINTCREDIT_EXTRACT_KEEP", "30"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# Upload limits (DESIGN.md §6): request bodies and single files.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# 登记机关 (ADR 0046): departments (codes) whose clerks record, end and import related persons.
JOINTCREDIT_REGISTRATION_DEPARTMENTS = [
    code.strip()
    for code in os.environ.get("JOINTCREDIT_REGISTRATION_DEPARTMENTS", "scjgj,xzsp").split(",")
    if code.strip()
]
JOINTCREDIT_IMPORT_MAX_BYTES = int(os.environ.get("JOINTCREDIT_IMPORT_MAX_BYTES", str(200 * 1024 * 1024)))
# Tables (importing.tabular.table_check, before parsing): rows, an XLSX's declared uncompressed
# size and its compression ratio (zip bombs). docs/configuration.md.
JOINTCREDIT_IMPORT_MAX_ROWS = int(os.environ.get("JOINTCREDIT_IMPORT_MAX_ROWS", "1000000"))
JOINTCREDIT_IMPORT_MAX_UNCOMPRESSED_BYTES = int(
    os.environ.get("JOINTCREDIT_IMPORT_MAX_UNCOMPRESSED_BYTES", str(500 * 1024 * 1024))
)
JOINTCREDIT_IMPORT_MAX_XLSX_RATIO = int(os.environ.get("JOINTCREDIT_IMPORT_MAX_XLSX_RATIO", "100"))
# A request body (multipart upload) is refused with 413 while it streams in past this size.
JOINTCREDIT_UPLOAD_MAX_BYTES = int(
    os.environ.get("JOINTCREDIT_UPLOAD_MAX_BYTES", str(JOINTCREDIT_IMPORT_MAX_BYTES + 1024 * 1024))
)
FILE_UPLOAD_HANDLERS = [
    "jointcredit.common.uploads.BoundedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
# 诚信宣传 (docs/publicity.md): the departments whose approvers review articles besides the credit
# office (区委宣传部), and the limits of an uploaded image (bytes, decoded pixels).
JOINTCREDIT_PUBLICITY_REVIEWERS = tuple(
    c.strip() for c in os.environ.get("JOINTCREDIT_PUBLICITY_REVIEWERS", "xcb").split(",") if c.strip()
)
JOINTCREDIT_PUBLICITY_IMAGE_MAX_BYTES = int(
    os.environ.get("JOINTCREDIT_PUBLICITY_IMAGE_MAX_BYTES", str(5 * 1024 * 1024))
)
JOINTCREDIT_PUBLICITY_IMAGE_MAX_PIXELS = int(
    os.environ.get("JOINTCREDIT_PUBLICITY_IMAGE_MAX_PIXELS", "40000000")
)
JOINTCREDIT_EVIDENCE_MAX_BYTES = int(os.environ.get("JOINTCREDIT_EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024)))

# --- Government single sign-on (统一身份认证, OpenID Connect; ADR 0017) ----------------------------
# Which claims carry the 身份证号 / 统一社会信用代码 / name is the platform's choice: configurable.
JOINTCREDIT_OIDC = {
    "ISSUER": os.environ.get("JOINTCREDIT_OIDC_ISSUER", f"{SITE_URL}/devidp" if DEVIDP else ""),
    "CLIENT_ID": os.environ.get("JOINTCREDIT_OIDC_CLIENT_ID", "jointcredit-portal" if DEVIDP else ""),
    "CLIENT_SECRET": os.environ.get(
        "JOINTCREDIT_OIDC_CLIENT_SECRET", "devidp-portal-secret" if DEVIDP else ""
    ),
    "SCOPE": os.environ.get("JOINTCREDIT_OIDC_SCOPE", "openid profile identity"),
    "CLAIM_ID_NUMBER": os.environ.get("JOINTCREDIT_OIDC_CLAIM_ID_NUMBER", "id_number"),
    "CLAIM_USCC": os.environ.get("JOINTCREDIT_OIDC_CLAIM_USCC", "uscc"),
    "CLAIM_NAME": os.environ.get("JOINTCREDIT_OIDC_CLAIM_NAME", "name"),
}

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = _env_bool("JOINTCREDIT_HTTPS", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = _env_bool("JOINTCREDIT_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = 31536000 if SESSION_COOKIE_SECURE else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SESSION_COOKIE_SECURE else None
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# --- Audit chain (audit app, docs/adr/0015-keyed-audit-chain.md) -----------------------------
# The key seals every audit row (HMAC-SHA256) and signs the checkpoints; it lives only in the
# environment, never in the database. Development and tests derive a key from SECRET_KEY, marked as
# such wherever the chain is reported.
# JOINTCREDIT_AUDIT_KEYS (ADR 0035) is the rotatable form: "kid:key" entries, oldest first, separated
# by commas or white space; `jointcredit audit rotate-key` moves the chain to the last one.
JOINTCREDIT_AUDIT_KEY = os.environ.get("JOINTCREDIT_AUDIT_KEY", "")
JOINTCREDIT_AUDIT_KEYS: list[tuple[str, str]] = []
for _entry in re.split(r"[\s,]+", os.environ.get("JOINTCREDIT_AUDIT_KEYS", "").strip()):
    if not _entry:
        continue
    _kid, _sep, _secret = _entry.partition(":")
    if not (_sep and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,31}", _kid) and _secret):
        raise ImproperlyConfigured(
            "环境变量 JOINTCREDIT_AUDIT_KEYS 格式错误：应为“密钥编号:密钥”，以逗号或空白分隔，"
            f"按启用先后排列；密钥编号为 1–32 个字母、数字、._-（出错的一项以“{_kid[:32]}”开头）。"
        )
    if not (DEBUG or TESTING) and len(_secret) < 32:
        raise ImproperlyConfigured(
            f"JOINTCREDIT_AUDIT_KEYS 中密钥 {_kid} 太短：审计链密钥至少需要 32 个字符。"
        )
    if any(_kid == k or _secret == v for k, v in JOINTCREDIT_AUDIT_KEYS):
        raise ImproperlyConfigured(
            f"JOINTCREDIT_AUDIT_KEYS 中密钥 {_kid} 重复（编号或密钥与前面的一项相同）。"
        )
    JOINTCREDIT_AUDIT_KEYS.append((_kid, _secret))
if JOINTCREDIT_AUDIT_KEYS and JOINTCREDIT_AUDIT_KEY:
    raise ImproperlyConfigured(
        "JOINTCREDIT_AUDIT_KEY 与 JOINTCREDIT_AUDIT_KEYS 只能设置其一：轮换时把原密钥写入 "
        "JOINTCREDIT_AUDIT_KEYS（如 old:<原密钥>,new:<新密钥>），并删除 JOINTCREDIT_AUDIT_KEY。"
    )
JOINTCREDIT_AUDIT_KEY_IS_DEVELOPMENT = not (JOINTCREDIT_AUDIT_KEY or JOINTCREDIT_AUDIT_KEYS)
if JOINTCREDIT_AUDIT_KEY_IS_DEVELOPMENT:
    if not (DEBUG or TESTING):
        raise ImproperlyConfigured(
            "生产环境必须设置环境变量 JOINTCREDIT_AUDIT_KEY 或 JOINTCREDIT_AUDIT_KEYS"
            "（审计链密钥，至少 32 个字符，只保存在环境中，不得写入数据库）。"
        )
    JOINTCREDIT_AUDIT_KEY = "development-only:" + hashlib.sha256(f"audit:{SECRET_KEY}".encode()).hexdigest()
elif JOINTCREDIT_AUDIT_KEY and len(JOINTCREDIT_AUDIT_KEY) < 32 and not (DEBUG or TESTING):
    raise ImproperlyConfigured("环境变量 JOINTCREDIT_AUDIT_KEY 太短：审计链密钥至少需要 32 个字符。")
# Signed checkpoints of the chain head (append-only file per database). Tests turn them on per test.
_checkpoint_dir = os.environ.get("JOINTCREDIT_AUDIT_CHECKPOINT_DIR")
JOINTCREDIT_AUDIT_CHECKPOINT_DIR = (
    Path(_checkpoint_dir) if _checkpoint_dir else (None if TESTING else VAR_DIR / "audit-checkpoints")
)

# --- Cache (rate limits, throttles) ---------------------------------------------------------
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache"
        if not TESTING
        else "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "jointcredit_cache",
    }
}
RATELIMIT_USE_CACHE = "default"
PUBLIC_API_RATE = os.environ.get("JOINTCREDIT_PUBLIC_RATE", "60/m")

# --- Tasks (django-tasks with its database backend: the queue lives in our own DB) ----------
TASKS = {
    "default": {
        "BACKEND": os.environ.get("JOINTCREDIT_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "webhooks", "imports", "platforms"],
    }
}

# --- Partitions and schedules (ADR 0049, 0050) -------------------------------------------
# Partitions whose rows are all older than this many days are archived to a compressed file and
# dropped by the scheduled upkeep; 0 (default) keeps everything.
PARTITION_RETENTION_DAYS = int(os.environ.get("JOINTCREDIT_PARTITION_RETENTION_DAYS", "0"))
PARTITION_ARCHIVE_DIR = Path(
    os.environ.get("JOINTCREDIT_PARTITION_ARCHIVE_DIR", VAR_DIR / "partition-archive")
)

# --- Email ----------------------------------------------------------------------------------
# Development without a mail server: one file per message under var/mail/ (readable, not MIME on
# the console between the server's log lines).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "jointcredit@localhost")

# --- Logging: secrets are scrubbed by common.logging.SecretFilter -----------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"secrets": {"()": "jointcredit.common.logging.SecretFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["secrets"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Domain defaults (office-editable values live in the DB; these are fall-backs) -----------
JOINTCREDIT = {
    "PUBLICATION_WORKING_DAYS": 7,
    "STATEMENT_WORKING_DAYS": 5,
    "FEEDBACK_WORKING_DAYS": 10,
    "OBJECTION_ACCEPT_WORKING_DAYS": 2,
    "OBJECTION_DECIDE_WORKING_DAYS": 10,
    "REPAIR_DECIDE_WORKING_DAYS": 3,
    "DISTRICT_REGION_CODE": "370102",
    "DISTRICT_NAME": "历下区",
    "PORTAL_NAME": "信用历下",
}
