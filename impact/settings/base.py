"""Settings shared by every environment.

Everything that differs between a laptop, CI and a server comes from environment
variables (see ``.env.example``); the defaults run the app with no server to install.
"""

from __future__ import annotations

from pathlib import Path

import environ
import plotly
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A developer's .env file is read when present; real deployments pass variables directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_api_key",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "axes",
    "django_guid",
    "accounts",
    "incidents",
    "dashboards",
]

MIDDLEWARE = [
    # Answers /healthz and /readyz before host checks and HTTPS redirects (probes use plain
    # HTTP to the container's own address).
    "impact.health.HealthCheckMiddleware",
    # Without the database every page and API call answers a clear 503 (not a 500), in its
    # own format; placed outside the rest so it also sees their database errors.
    "impact.database_outage.DatabaseOutageMiddleware",
    # A request id (X-Request-ID, taken from the proxy or made up) on every log line.
    "django_guid.middleware.guid_middleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files, compressed and with far-future cache headers, from the app itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: locks out repeated failed logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "impact.urls"
WSGI_APPLICATION = "impact.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'impact.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Persistent connections: opening one per request costs more than the query.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database host that does not answer fails a request in seconds (then a 503), instead
    # of holding a worker for the operating system's TCP timeout of about two minutes.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env.int(
        "DATABASE_CONNECT_TIMEOUT", default=5
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Where a login without a (safe) "next" lands.
LOGIN_REDIRECT_URL = "admin:index"
# django-axes first: a user or address locked out after failed logins is refused before
# the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)  # hours
# Locked per user name and address together: a guesser cannot lock a colleague out from
# elsewhere, and one address cannot try many passwords for one account.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Behind the reverse proxy the client's address is the first of X-Forwarded-For.
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
AXES_VERBOSE = False

# A login lasts a working day.
SESSION_COOKIE_AGE = env.int("DJANGO_SESSION_COOKIE_AGE", default=60 * 60 * 8)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Content-Security-Policy: scripts and styles only from our own static files. Plotly sets
# style attributes on the SVG it draws, which needs 'unsafe-inline' for styles (not for
# scripts: the pages have no inline script; figures travel as JSON in json_script tags).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": False,  # a proxy's own request ids are kept as they are
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": True,
}

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("uk", _("Ukrainian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Stored in UTC, shown in Kyiv time.
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Kyiv")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# plotly.js comes from the installed plotly package, served as our own static file.
STATICFILES_DIRS = [("plotly", Path(plotly.__file__).parent / "package_data")]
# Dashboards need a login unless made public; the public sees verified records only.
DASHBOARDS_PUBLIC = env.bool("DASHBOARDS_PUBLIC", default=False)

# One cache shared by every process (web workers, Celery): it holds computed dashboard
# figures, invalidated on every data change, and the API's rate-limit counters. Files in
# var/ by default; Redis in production (CACHE_URL=redis://host:6379/1).
CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "impact.cache.RedisCache"  # one Redis client per pool
    # A dead or hung Redis must not stall requests: the cache is only a saving, and every
    # caller goes on without it (impact.cache.through_cache).
    _CACHE_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=0.5)
    CACHES["default"].setdefault("OPTIONS", {}).update(
        {"socket_connect_timeout": _CACHE_TIMEOUT, "socket_timeout": _CACHE_TIMEOUT}
    )
# After a cache error a process goes on without the cache for this long before trying again.
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=5.0)
# Figures that depend on the clock ("people without power now") are recomputed at least
# this often even when no data changed.
FIGURES_CACHE_SECONDS = env.int("FIGURES_CACHE_SECONDS", default=300)
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=VAR_DIR / "media")

# Celery: Redis in production. The default is kombu's file-system transport, a broker
# embedded in var/ that needs no server, so `make run` can run a worker and beat. An
# empty value runs tasks eagerly in the calling process (no schedule then).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
# With acks_late, a task whose worker dies is only re-queued when this is set too.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=25 * 60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
# Just above the longest task, so a message of a killed worker comes back soon;
# kombu reads it from the transport options, not from a top-level setting.
_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 5 * 60)
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": _VISIBILITY_TIMEOUT,
    "unacked_restore_interval": 2,
    "unacked_restore_throttle": 1,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": _VISIBILITY_TIMEOUT}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
if CELERY_BROKER_URL.startswith("filesystem://"):
    _BROKER_DIR = VAR_DIR / "celery"
    # The file-system transport expects its folders to exist.
    for _folder in ("messages", "processed", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "data_folder_in": str(_BROKER_DIR / "messages"),
        "data_folder_out": str(_BROKER_DIR / "messages"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        # Else kombu keeps its exchange table in ./control, wherever the process started.
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_BEAT_SCHEDULE = {
    "dispatch-due-feeds": {"task": "incidents.tasks.feeds_dispatch_due_task", "schedule": 60.0},
    "requeue-stuck-ingestion-runs": {
        "task": "incidents.tasks.ingestion_runs_requeue_stuck_task",
        "schedule": 300.0,
    },
}

# Ingestion limits
INGESTION_MAX_BYTES = env.int("INGESTION_MAX_BYTES", default=500 * 1024 * 1024)
INGESTION_FETCH_TIMEOUT = env.float("INGESTION_FETCH_TIMEOUT", default=30.0)
INGESTION_BATCH_SIZE = env.int("INGESTION_BATCH_SIZE", default=5000)
# Payloads this large or larger are parsed in a process of their own while the rows are
# written; smaller ones are not worth starting it (about a tenth of a second).
INGESTION_PARSER_PROCESS_BYTES = env.int("INGESTION_PARSER_PROCESS_BYTES", default=1024 * 1024)
# A running ingestion that made no progress for this long is taken over by another worker.
INGESTION_STALE_AFTER_SECONDS = env.int("INGESTION_STALE_AFTER_SECONDS", default=300)
INGESTION_FETCH_RETRIES = env.int("INGESTION_FETCH_RETRIES", default=5)
# Feed URLs that resolve to private, loopback or link-local addresses are refused unless
# allowed (allowed locally for feeds on one's own network; refused in production: SSRF).
INGESTION_ALLOW_PRIVATE_ADDRESSES = env.bool("INGESTION_ALLOW_PRIVATE_ADDRESSES", default=True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "incidents.api.authentication.PartnerKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "incidents.api.filtering.StrictFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "incidents.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [
        "incidents.api.throttling.AnonymousRateThrottle",
        "incidents.api.throttling.PartnerRateThrottle",
    ],
    # A burst rate and a sustained rate for each kind of caller (an empty value: no limit).
    # Anonymous callers are counted per address, and many people share one (an office's or
    # a mobile network's NAT): partners that need more use a key, counted on its own.
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="600/minute") or None,
        "anon_sustained": env.str("API_THROTTLE_ANON_SUSTAINED", default="10000/hour") or None,
        "partner": env.str("API_THROTTLE_PARTNER", default="1200/minute") or None,
        "partner_sustained": (
            env.str("API_THROTTLE_PARTNER_SUSTAINED", default="30000/hour") or None
        ),
    },
    # The client address is the one the last of AXES_PROXY_COUNT proxies saw; without it,
    # DRF counts the whole X-Forwarded-For header, which a client can vary at will.
    "NUM_PROXIES": AXES_IPWARE_PROXY_COUNT,
    "EXCEPTION_HANDLER": "incidents.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # ?format= wins over the Accept header (GIS tools send one that names no export format).
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "incidents.api.negotiation.FormatFirstNegotiation",
    # Bodies are JSON, bounded in depth (writes nest their sources).
    "DEFAULT_PARSER_CLASSES": ["incidents.api.bodies.BoundedJSONParser"],
}
# The deepest ?offset= a list accepts; further pages are reached through the cursor in each
# page's next link, which costs the same at any depth.
API_MAX_OFFSET = env.int("API_MAX_OFFSET", default=10_000)
SPECTACULAR_SETTINGS = {
    "TITLE": "Impact partner API",
    "DESCRIPTION": (
        "Verified records of attacks on civilians and civilian infrastructure in Ukraine, "
        "their damage and the services they knocked out. Partner applications authenticate "
        "with `Authorization: Api-Key <key>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "incidents.api.schema.describe_exports",
        "incidents.api.schema.describe_errors",
        "incidents.api.schema.describe_links",
        "incidents.api.schema.describe_strict_inputs",
    ],
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "VerificationStatusEnum": "incidents.models.base.VerificationStatus",
        "IngestionRunStatusEnum": "incidents.models.ingestion.IngestionRun.Status",
    },
}
# Request bodies larger than this are refused (uploads of feed files go through the admin).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)

# Logs go to standard output: plain text by default, JSON lines (LOG_FORMAT=json, the
# production default) for log collectors. Every line carries the request id. Nothing logs
# request bodies, headers or query strings, so passwords and API keys never reach the logs.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "django_guid.log_filters.CorrelationId"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(correlation_id)s %(message)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
                "correlation_id": "request_id",
            },
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # It announces every request id it makes up; only its warnings matter.
        "django_guid": {"level": "WARNING"},
        # Lock-outs are warnings; its notes on every successful login are not needed.
        "axes": {"level": "WARNING"},
    },
}

SIMPLE_HISTORY_REVERT_DISABLED = True
# A reason is what a person wrote (a Verifier's decision, a correction) or what the
# matching found, with a partner key's name after it: none of them fits 100 characters.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
