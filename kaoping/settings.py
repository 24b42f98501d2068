"""Kaoping settings: one module, configured by KAOPING_* environment variables.

Embedded defaults serve one county on one machine (SQLite, Huey on SQLite, no services).
Production sets KAOPING_DATABASE_URL (PostgreSQL), KAOPING_REDIS_URL, KAOPING_SECRET_KEY,
KAOPING_ALLOWED_HOSTS and leaves KAOPING_DEBUG off. See docs/configuration.md.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
BASE_DIR = PACKAGE_DIR.parent

env = environ.Env()

DEBUG = env.bool("KAOPING_DEBUG", default=False)
DATA_DIR = Path(env.str("KAOPING_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """The secret key from the environment, else one generated once and kept in DATA_DIR."""
    from_env = env.str("KAOPING_SECRET_KEY", default="")
    if from_env:
        return from_env
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()


def _pii_keys() -> list[str]:
    """Fernet keys for respondents' names and phone numbers (PIPL), newest first.

    KAOPING_PII_KEYS (comma-separated) in production; otherwise one generated once and kept in
    DATA_DIR. Older keys after the first still decrypt, so keys can be rotated.
    """
    from_env = env.list("KAOPING_PII_KEYS", default=[])
    if from_env:
        return from_env
    key_file = DATA_DIR / "pii_key"
    if not key_file.exists():
        key_file.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        key_file.chmod(0o600)
    return [key_file.read_text().strip()]


KAOPING_PII_KEYS = _pii_keys()
ALLOWED_HOSTS = env.list("KAOPING_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("KAOPING_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # Django admin, for the performance office only (kaoping.core.admin_site).
    "kaoping.core.admin_site.KaopingAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "django_tables2",
    "treebeard",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "auditlog",
    "huey.contrib.djhuey",
    "kaoping.core",
    "kaoping.audit",
    "kaoping.org",
    "kaoping.plans",
    "kaoping.tracking",
    "kaoping.inspections",
    "kaoping.appraisal",
    "kaoping.scoring",
    "kaoping.surveys",
    "kaoping.bulletins",
    "kaoping.public",
    "kaoping.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "kaoping.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kaoping.core.middleware.RequestIdMiddleware",
    # Outside the session and auth middleware (they read the database): see core/faults.py.
    "kaoping.core.faults.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "kaoping.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the session expiry, which tells the signed-out user why with a message.
    "django.contrib.messages.middleware.MessageMiddleware",
    "kaoping.org.middleware.SessionExpiryMiddleware",
    "kaoping.org.middleware.PasswordChangeRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kaoping.audit.middleware.AuditlogMiddleware",
    "kaoping.core.middleware.ApplicationErrorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kaoping.urls"
WSGI_APPLICATION = "kaoping.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kaoping.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url(
        "KAOPING_DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'kaoping.sqlite3'}"
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA foreign_keys=ON;",
    }
# Connections kept for a minute (per thread), on SQLite too: opening one and running its
# pragmas cost more than the rest of a small request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("KAOPING_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, background jobs ----------------------------------------------------
REDIS_URL = env.str("KAOPING_REDIS_URL", default="")
# Installs (or test runs) sharing one Redis or job file keep apart by the queue's name.
HUEY_NAME = env.str("KAOPING_HUEY_NAME", default="kaoping")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": HUEY_NAME,
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env.int("KAOPING_WORKERS", default=2), "worker_type": "thread"},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": HUEY_NAME,
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        # djhuey defaults `immediate` to DEBUG, which would run jobs inside the web process.
        "immediate": False,
        "consumer": {"workers": env.int("KAOPING_WORKERS", default=2), "worker_type": "thread"},
    }
# A running job's heartbeat, when a silent one counts as lost and is queued again, and how
# many losses fail it (kaoping.core.jobs, docs/jobs.md).
KAOPING_JOBS = {
    "heartbeat_seconds": env.int("KAOPING_JOB_HEARTBEAT_SECONDS", default=15),
    "stale_seconds": env.int("KAOPING_JOB_STALE_SECONDS", default=120),
    "max_requeues": env.int("KAOPING_JOB_MAX_REQUEUES", default=3),
}

# --- Authentication and the account security policy --------------------------------------
AUTH_USER_MODEL = "org.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The default profile meets GB/T 22239-2019 (等保 2.0) level 3 for passwords, lockout and
# sessions; docs/security.md lists where it departs from OWASP ASVS 5 and why.
KAOPING_PASSWORD_POLICY = {
    "min_length": env.int("KAOPING_PASSWORD_MIN_LENGTH", default=12),
    "min_classes": env.int("KAOPING_PASSWORD_MIN_CLASSES", default=3),
    "max_age_days": env.int("KAOPING_PASSWORD_MAX_AGE_DAYS", default=90),
    "history": env.int("KAOPING_PASSWORD_HISTORY", default=5),
}
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": KAOPING_PASSWORD_POLICY["min_length"]},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "kaoping.org.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": KAOPING_PASSWORD_POLICY["min_classes"]},
    },
    {
        "NAME": "kaoping.org.passwords.PasswordHistoryValidator",
        "OPTIONS": {"history": KAOPING_PASSWORD_POLICY["history"]},
    },
]

# Lockout: an account is locked after N failures, and an address after M failures whatever
# the account, each for the cool-off time.
AXES_FAILURE_LIMIT = env.int("KAOPING_LOCKOUT_FAILURES", default=5)
KAOPING_LOCKOUT_IP_FAILURES = env.int("KAOPING_LOCKOUT_IP_FAILURES", default=20)
AXES_COOLOFF_TIME = env.float("KAOPING_LOCKOUT_MINUTES", default=30) / 60
# django-axes locks accounts; the per-address limit is ours (kaoping.org.lockout), counted
# over the same attempt records, because axes applies one limit to every parameter.
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_LOCKOUT_CALLABLE = "kaoping.org.views.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_IPWARE_PROXY_COUNT = env.int("KAOPING_PROXY_COUNT", default=0) or None
AXES_ENABLE_ADMIN = False

KAOPING_SESSION_IDLE_MINUTES = env.int("KAOPING_SESSION_IDLE_MINUTES", default=30)
KAOPING_SESSION_ABSOLUTE_HOURS = env.int("KAOPING_SESSION_ABSOLUTE_HOURS", default=8)
SESSION_COOKIE_AGE = KAOPING_SESSION_ABSOLUTE_HOURS * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Internationalisation ----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env.str("KAOPING_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
FRONTEND_DIR = Path(
    env.str("KAOPING_FRONTEND_DIR", default=str(BASE_DIR / "frontend" / "node_modules"))
)
STATICFILES_DIRS = [
    PACKAGE_DIR / "static",  # kaoping/static/kaoping/kaoping.css (the package is not an app)
    ("bootstrap", FRONTEND_DIR / "bootstrap" / "dist"),
    ("bootstrap-icons", FRONTEND_DIR / "bootstrap-icons" / "font"),
    ("echarts", FRONTEND_DIR / "echarts" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
KAOPING_MAX_UPLOAD_BYTES = env.int("KAOPING_MAX_UPLOAD_BYTES", default=20 * 1024 * 1024)
KAOPING_MAX_PLAN_FILE_BYTES = env.int("KAOPING_MAX_PLAN_FILE_BYTES", default=5 * 1024 * 1024)
KAOPING_MAX_WORKBOOK_BYTES = env.int("KAOPING_MAX_WORKBOOK_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("KAOPING_EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("KAOPING_FROM_EMAIL", default="kaoping@localhost")

# --- Audit ------------------------------------------------------------------------------
AUDITLOG_CID_GETTER = "kaoping.core.middleware.current_request_id"
AUDITLOG_STORE_JSON_CHANGES = True
AUDITLOG_DISABLE_REMOTE_ADDR = False

# --- Security headers (also see docs/security.md) -----------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_COOKIE_HTTPONLY = False
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("KAOPING_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("KAOPING_SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env.int("KAOPING_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("KAOPING_HSTS_PRELOAD", default=False)
    if env.bool("KAOPING_BEHIND_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Joining the browsers' HSTS preload list is an operator's decision per domain, not a
# default a county install can make; KAOPING_HSTS_PRELOAD=true turns it on.
# axes.W006 asks for ip_address among axes' lockout parameters; Kaoping limits addresses
# itself with a separate, higher limit (kaoping.org.lockout), so offices behind one NAT
# are not locked out together by one colleague's typos.
SILENCED_SYSTEM_CHECKS = ["security.W021", "axes.W006"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("KAOPING_LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# The demo county's shared password (kaoping loaddemo); not a credential of any real install.
KAOPING_DEMO_PASSWORD = "Kaoping@2022demo"  # noqa: S105
