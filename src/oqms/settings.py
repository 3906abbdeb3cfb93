"""Django settings for OQMS, read from the environment (see README "Configuration")."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from oqms.env import (
    data_keys,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_timezone,
    secret_key,
)

PACKAGE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("OQMS_VAR_DIR", str(Path.cwd() / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = secret_key(VAR_DIR)
OQMS_DATA_KEYS = data_keys(VAR_DIR)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
HTTPS = env_bool("OQMS_HTTPS", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "oqms.core",
    "oqms.accounts",
    "oqms.notify",
    "oqms.calendars",
    "oqms.org",
    "oqms.vendors",
    "oqms.contracts",
    "oqms.workorders",
    "oqms.inspections",
    "oqms.feedback",
    "oqms.capa",
    "oqms.kpis",
    "oqms.settlements",
    "oqms.improvement",
    "oqms.meetings",
    "oqms.dataio",
    "oqms.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "oqms.core.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "oqms.urls"
WSGI_APPLICATION = "oqms.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

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
                "oqms.core.context_processors.navigation",
                "oqms.notify.context_processors.inbox",
            ],
        },
    }
]

# --- Database -------------------------------------------------------------------------------------
_default_db = f"sqlite:///{VAR_DIR / 'oqms.sqlite3'}"
_database_url = env_str("DATABASE_URL", _default_db) or _default_db
try:
    _db = dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL={_database_url!r} is not a database URL: {exc}") from exc
if _db["ENGINE"] not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
    raise ImproperlyConfigured("DATABASE_URL must be sqlite:///path or postgres://user@host:port/name")
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; IMMEDIATE avoids "database is locked"
        # when two writers upgrade a read transaction at the same moment.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        "transaction_mode": "IMMEDIATE",
    }
    _db["TEST"] = {"NAME": None}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and task queue ---------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL={REDIS_URL!r} must start with redis://, rediss:// or unix://")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

Q_CLUSTER: dict[str, object] = {
    "name": env_str("OQMS_QUEUE_NAME", "oqms"),
    "workers": env_int("OQMS_WORKERS", 2, minimum=1, maximum=64),
    "timeout": 600,
    "retry": 900,
    "max_attempts": 3,
    "save_limit": 1000,
    "catch_up": False,
    "label": _("Background jobs"),
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

# --- Auth and sessions ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900, minimum=60)

# --- Internationalisation ---------------------------------------------------------------------------
LANGUAGE_CODE = env_choice("LANGUAGE_CODE", "zh-hans", {"zh-hans", "en"})
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_timezone("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["oqms.formats"]
LANGUAGE_COOKIE_NAME = "oqms_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and uploaded files ----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
_node_modules = Path(env_str("OQMS_NODE_MODULES", str(PACKAGE_DIR.parent.parent / "node_modules")))
STATICFILES_DIRS: list[object] = [PACKAGE_DIR / "static"]
STATICFILES_DIRS += [
    (f"vendor/{name}", _node_modules / path)
    for name, path in {
        "bootstrap": "bootstrap/dist",
        "bootstrap-icons": "bootstrap-icons/font",
        "htmx": "htmx.org/dist",
        "echarts": "echarts/dist",
    }.items()
    if (_node_modules / path).is_dir()
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
OQMS_MAX_UPLOAD_MB = env_int("OQMS_MAX_UPLOAD_MB", 10, minimum=1, maximum=200)
# Imports: the largest file the import page takes (the command line has no limit), and up to how many rows a
# file is checked and imported while the page waits (more go to the background worker, with a progress bar).
OQMS_MAX_IMPORT_MB = env_int("OQMS_MAX_IMPORT_MB", 100, minimum=1, maximum=2000)
OQMS_IMPORT_INLINE_ROWS = env_int("OQMS_IMPORT_INLINE_ROWS", 5000, minimum=0, maximum=10_000_000)
# Public feedback: submissions per address and per QR code in 10 minutes; how long contact data is kept.
OQMS_FEEDBACK_PER_ADDRESS = env_int("OQMS_FEEDBACK_PER_ADDRESS", 5, minimum=1, maximum=1000)
OQMS_FEEDBACK_PER_POINT = env_int("OQMS_FEEDBACK_PER_POINT", 30, minimum=1, maximum=10000)
OQMS_CONTACT_RETENTION_DAYS = env_int("OQMS_CONTACT_RETENTION_DAYS", 180, minimum=1, maximum=3650)
# A nonconformance of the same vendor and category within this many days of an earlier one is a repeat.
OQMS_NC_REPEAT_DAYS = env_int("OQMS_NC_REPEAT_DAYS", 90, minimum=1, maximum=3650)
# Behind a reverse proxy: the header that holds the client's address (e.g. X-Real-IP), for the feedback limits.
OQMS_CLIENT_IP_HEADER = env_str("OQMS_CLIENT_IP_HEADER", "")

# --- E-mail -----------------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be true")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "oqms@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Links in e-mails: the address people reach OQMS at, such as https://oqms.example.com
OQMS_BASE_URL = env_str("OQMS_BASE_URL", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- REST API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "oqms.accounts.tokens.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["oqms.core.drf.ModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "oqms.core.drf.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "oqms.core.drf.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"user": env_str("API_RATE", "600/minute")},
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OQMS API",
    "DESCRIPTION": "Outsourced-service quality management — 外包服务质量管理平台",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

AUTHENTICATION_BACKENDS = ["oqms.accounts.backends.OQMSBackend"]
