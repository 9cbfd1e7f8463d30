"""Shinsa settings: one module, driven by environment variables (see README, "Configuration").

The embedded default needs no variables at all: SQLite in ``var/``, background jobs run
in-process after commit, e-mail printed to the console. Production sets DEBUG=0, SECRET_KEY,
ALLOWED_HOSTS, DATABASE_URL (PostgreSQL) and REDIS_URL (Celery broker).
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from governance.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SHINSA_VAR_DIR") or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", True)

# A development key is acceptable only while DEBUG is on; production must bring its own.
_DEV_SECRET_KEY = "django-insecure-shinsa-development-key-not-for-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DEBUG=0 では環境変数 SECRET_KEY が必要です。"
            " (SECRET_KEY is required when DEBUG is off.)"
        )
    SECRET_KEY = _DEV_SECRET_KEY
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY が公開されている開発用の鍵です。本番用の鍵を指定してください。"
        " (SECRET_KEY is the published development key: set a key of your own.)"
    )

# The audit chain is keyed separately so that rotating SECRET_KEY (sessions, tokens) does not
# break verification of years of audit events, and so that whoever learns SECRET_KEY (it
# signs every cookie) still cannot forge a chain. The embedded default keys it by SECRET_KEY;
# production must bring a key of its own.
AUDIT_CHAIN_KEY = env_str("AUDIT_CHAIN_KEY")
AUDIT_CHAIN_KEY_MIN_LENGTH = 32
if not DEBUG:
    if not AUDIT_CHAIN_KEY:
        raise ImproperlyConfigured(
            "DEBUG=0 では環境変数 AUDIT_CHAIN_KEY"
            "（監査証跡の鍵、SECRET_KEY とは別の値）が必要です。"
            " (AUDIT_CHAIN_KEY, a key separate from SECRET_KEY, is required when DEBUG is off.)"
        )
    if AUDIT_CHAIN_KEY == SECRET_KEY:
        raise ImproperlyConfigured(
            "AUDIT_CHAIN_KEY が SECRET_KEY と同じです。別の値を指定してください。"
            " (AUDIT_CHAIN_KEY must differ from SECRET_KEY.)"
        )
    if AUDIT_CHAIN_KEY == _DEV_SECRET_KEY:
        raise ImproperlyConfigured(
            "AUDIT_CHAIN_KEY が公開されている開発用の鍵です。本番用の鍵を指定してください。"
            " (AUDIT_CHAIN_KEY is the published development key: set a key of your own.)"
        )
    if len(AUDIT_CHAIN_KEY) < AUDIT_CHAIN_KEY_MIN_LENGTH:
        raise ImproperlyConfigured(
            f"AUDIT_CHAIN_KEY は {AUDIT_CHAIN_KEY_MIN_LENGTH} 文字以上にしてください。"
            f" (AUDIT_CHAIN_KEY must be at least {AUDIT_CHAIN_KEY_MIN_LENGTH} characters.)"
        )
AUDIT_CHAIN_KEY = AUDIT_CHAIN_KEY or SECRET_KEY
# The chain's head is appended here (one signed JSON line per anchor) by a periodic job, so a
# truncated tail is detected by ``verify_audit`` without anyone having noted the head. Written by
# the worker: with workers on several machines, put SHINSA_VAR_DIR on shared storage.
AUDIT_ANCHOR_FILE = VAR_DIR / "audit-anchors.jsonl"
# How often the head is anchored (when it moved): the longest tail that could be cut undetected.
AUDIT_ANCHOR_INTERVAL_SECONDS = env_int("AUDIT_ANCHOR_INTERVAL_SECONDS", 3600, minimum=60)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DEBUG=0 では環境変数 ALLOWED_HOSTS が必要です（カンマ区切り）。"
        " (ALLOWED_HOSTS is required when DEBUG is off.)"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "viewflow",
    "viewflow.workflow",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Its abstract key model lives in this app (its own concrete APIKey table stays unused).
    "rest_framework_api_key",
    "governance",
    "workflows",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The Content-Security-Policy header on every response (governance/csp.py).
    "governance.csp.ShinsaCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "governance.middleware.JapaneseFirstLocaleMiddleware",
    # Before anything reads the body (the CSRF check does): a too-large request is refused
    # unread, in the user's language.
    "governance.request_limits.RequestBodyLimitMiddleware",
    "governance.errors.FriendlyErrorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login; anonymous users are sent to the login page, never a bare 403.
    # It must run before viewflow's SiteMiddleware, which answers 403 on its own.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    # Roles that must use a second factor reach nothing but the OTP pages and logout until
    # their session is verified (governance.permissions.requires_second_factor).
    "governance.middleware.SecondFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "viewflow.middleware.SiteMiddleware",
    "viewflow.middleware.HotwireTurboMiddleware",
    # Answers a locked-out login attempt with the lockout page (AXES_* below).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "governance.urls"
# With DEBUG=1, show the Japanese 404 page instead of Django's debug page (governance.errors).
# Off by default so that a developer's runserver lists the URL patterns; `manage.py serve`
# (the demo) turns it on unless this variable says otherwise.
SHINSA_FRIENDLY_ERRORS = env_bool("SHINSA_FRIENDLY_ERRORS", False)
WSGI_APPLICATION = "governance.wsgi.application"

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
                "django.template.context_processors.i18n",
                "governance.context_processors.shinsa",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------

_default_sqlite = VAR_DIR / "shinsa.sqlite3"
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    _scheme = urlsplit(DATABASE_URL).scheme
    if _scheme not in {"postgres", "postgresql", "pgsql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL の方式 {_scheme!r} には対応していません（postgres:// または sqlite:///）。"
            f" (DATABASE_URL scheme {_scheme!r} is not supported: use postgres:// or sqlite:///.)"
        )
    _db = dj_database_url.parse(DATABASE_URL)
else:
    _db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(_default_sqlite)}

if _db["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front: DEFERRED mode fails a third of
    # concurrent read-then-write requests with "database is locked" (ARCHITECTURE.md).
    _db.update(
        {
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                ),
            },
            # A file, not memory: a real Celery worker started by the tests shares it.
            "TEST": {"NAME": str(VAR_DIR / "test_shinsa.sqlite3")},
        }
    )
elif _db["ENGINE"] == "django.db.backends.postgresql":
    # Each gunicorn thread keeps one connection for this long (workers x threads connections
    # per server, README "Running in production"), checked before reuse so a restarted
    # PostgreSQL costs no failed request. `manage.py serve` turns persistence off: the
    # development server starts a thread per request.
    _db.update(
        {
            "CONN_MAX_AGE": env_int("CONN_MAX_AGE", 600),
            "CONN_HEALTH_CHECKS": True,
        }
    )
    _db.setdefault("OPTIONS", {})
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background jobs ------------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and urlsplit(REDIS_URL).scheme not in {"redis", "rediss"}:
    raise ImproperlyConfigured(
        "REDIS_URL は redis:// または rediss:// で指定してください。"
        " (REDIS_URL must start with redis:// or rediss://.)"
    )
# "inline": jobs run in this process right after commit (the embedded default).
# "celery": jobs are handed to Celery workers through Redis after commit.
JOBS_RUNNER = env_choice("JOBS_RUNNER", "celery" if REDIS_URL else "inline", ("inline", "celery"))
if JOBS_RUNNER == "celery" and not REDIS_URL:
    raise ImproperlyConfigured(
        "JOBS_RUNNER=celery には REDIS_URL が必要です。 (JOBS_RUNNER=celery needs REDIS_URL.)"
    )
# A job that keeps failing is retried this many times, then left visible as failed.
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 3, minimum=1)
# The relay re-sends jobs still pending this many seconds after they were created.
JOBS_RELAY_AFTER_SECONDS = env_int("JOBS_RELAY_AFTER_SECONDS", 30, minimum=1)
# The longest a job may take; Redis redelivers a message unacknowledged for twice as long.
JOBS_TIMEOUT_SECONDS = env_int("JOBS_TIMEOUT_SECONDS", 900, minimum=60)
# After a failed publish a process leaves hand-offs to the relay for this long, so a broker
# that hangs slows one click, not every click (the relay re-sends those jobs anyway).
JOBS_BROKER_BACKOFF_SECONDS = env_int("JOBS_BROKER_BACKOFF_SECONDS", 30, minimum=0)
# The Celery queue of this installation (several installations may share one Redis).
JOBS_QUEUE = env_str("JOBS_QUEUE", "celery")
# More modules that register job handlers, imported with governance.jobs.handlers (the test suite's
# probe jobs, a deployment's own work).
JOBS_EXTRA_MODULES = env_list("SHINSA_EXTRA_JOB_MODULES", [])
# How notices reach by e-mail those who have not chosen: each at once, or one daily digest.
# CSIRT roles get theirs at once whatever this says (governance.cases.services.notifications).
NOTIFICATION_DEFAULT_DIGEST = env_choice(
    "NOTIFICATION_DEFAULT_DIGEST", "immediate", ("immediate", "daily")
)

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = JOBS_QUEUE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker waits for Redis however long it is away, instead of exiting after 100 tries.
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# When the broker connection drops, a running job finishes and commits; its message, redelivered
# after the visibility timeout, then finds the job done (the Celery 6 default would kill it).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than the longest job, so Redis does not redeliver a message still being worked.
    "visibility_timeout": JOBS_TIMEOUT_SECONDS * 2,
    # A click must never wait on a broker that is down: fail fast, the relay re-sends later.
    # A stopped Redis refuses at once; a hung one costs one click per process the read timeout,
    # then JOBS_BROKER_BACKOFF_SECONDS of clicks that do not try (bench/bench_outbox.py).
    "socket_connect_timeout": 1,
    "socket_timeout": 3,
    "max_retries": 0,
}
CELERY_TASK_TIME_LIMIT = JOBS_TIMEOUT_SECONDS
# A worker keeps its database connection from task to task as a web process keeps it from request
# to request (CONN_MAX_AGE, CONN_HEALTH_CHECKS: governance.celery closes old or broken ones around
# every task). Without this, Celery closes it after every task and each job paid a new PostgreSQL
# connection, several times a bare task's hand-off (bench/bench_ratios.py); Celery still renews it
# after this many tasks.
CELERY_DB_REUSE_MAX = 1000
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {"task": "governance.tasks.relay_outbox", "schedule": 30.0},
    "run-timers": {"task": "governance.tasks.run_periodic", "schedule": 60.0},
}

# --- Auth -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "governance.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username/address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
GUARDIAN_ANONYMOUS_USER_NAME = None
GUARDIAN_USER_OBJ_PERMS_MODEL = "guardian.UserObjectPermission"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
AUTH_PASSWORD_VALIDATORS = [
    # Django's similarity check, plus containment of the Japanese family and given names,
    # the full name and the e-mail's local part (short kanji names escape the ratio test).
    {
        "NAME": "governance.passwords.NameSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "last_name", "first_name", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# A password-reset link (self-service, or issued by the admin role) works once, for a day.
PASSWORD_RESET_TIMEOUT = 24 * 3600

# Login throttling (django-axes): 5 failed passwords for one username from one address lock
# that pair out for 15 minutes, and every further attempt during the lockout starts the 15
# minutes again (the back-off: a script that keeps trying never gets back in). Other
# addresses, and other usernames from the same address, are not affected, so an attacker
# cannot lock a colleague out from elsewhere. A successful login clears the count. The admin
# role unlocks early from the user page (an audited service).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1)
AXES_COOLOFF_TIME = _dt.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = True
AXES_LOCKOUT_CALLABLE = "governance.org.second_factor.locked_out"
# Unlocking goes through the audited service on the user page, not a delete in Django admin.
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# Second factor (django-otp, TOTP). The roles that need it are listed in
# governance.permissions.SECOND_FACTOR_ROLES; a wrong code is throttled per device with
# exponential back-off (1 s, 2 s, 4 s, ...).
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Shinsa")
OTP_TOTP_THROTTLE_FACTOR = 1

# --- Language and time ----------------------------------------------------------------------

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Files ----------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or VAR_DIR / "static")
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "governance.staticfiles.ShinsaStaticFilesStorage"
        )
    },
}
# Uploads larger than this are refused before they reach a form (specifications, attachments).
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# A request body over UPLOAD_MAX_BYTES plus this (other fields, multipart framing) is refused
# with 413 before it is read (governance.request_limits).
REQUEST_BODY_MARGIN = 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------------

EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "shinsa@localhost")
# Mail intake (manage.py ingest_mail): mails carrying this marker in the subject or body are
# drills, recorded as dismissed (訓練メール) and counted for the drill; larger mails are refused.
MAIL_DRILL_MARKER = env_str("MAIL_DRILL_MARKER", "【訓練】")
MAIL_MAX_BYTES = env_int("MAIL_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
# Base address used in links inside e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- The REST API (/api/v1/, governance/api) -----------------------------------------------

API_THROTTLE_CACHE_TABLE = "shinsa_api_throttle"
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Throttle counts must be shared by every gunicorn worker: a table in the database, not a
    # per-process memory (Redis is only the jobs' transport here). Made by migration 0017.
    "api_throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": API_THROTTLE_CACHE_TABLE,
    },
}
API_MAX_BODY_BYTES = 256 * 1024
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "governance.api.authentication.IntegrationKeyAuthentication",
        "governance.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["governance.api.access.ApiAccess"],
    # JSON only; the browsable API also when DEBUG is on (governance.api.access).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "governance.api.access.JsonUnlessDebug",
    "DEFAULT_PARSER_CLASSES": ["governance.api.formats.LimitedJSONParser"],
    "DEFAULT_THROTTLE_CLASSES": ["governance.api.access.SharedScopedRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "read": env_str("API_READ_RATE", "600/min"),
        "intake": env_str("API_INTAKE_RATE", "60/min"),
    },
    "DEFAULT_PAGINATION_CLASS": "governance.api.pagination.UpdatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "governance.api.schema.ShinsaAutoSchema",
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "審査 Shinsa API",
    "DESCRIPTION": (
        "IT ガバナンス審査（相談・予算確認・仕様書確認）、システムカルテ、期限の参照用 API です。"
        "一覧は画面と同じ範囲に絞り込まれ、見る権限のない詳細は 404 を返します。"
        "日時はタイムゾーン付きの ISO 8601、金額は円単位の整数、年度は西暦の整数です。"
        "状態の変更（承認・完了など）は v1 では提供しません。"
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseKindEnum": "governance.cases.models.CaseKind",
        "CaseStatusEnum": "governance.cases.models.CaseStatus",
        "SystemKindEnum": "governance.karte.models.SystemKind",
        "SystemStatusEnum": "governance.karte.models.InformationSystem.Status",
        "ServerLocationEnum": "governance.karte.models.ServerLocation",
        "MonitoringServiceEnum": "governance.karte.models.MonitoringService",
        "CoverageEnum": "governance.karte.rules.Coverage",
        "DeadlineKindEnum": "governance.clocks.models.DeadlineKind",
        "DeadlineStatusEnum": "governance.clocks.models.DeadlineStatus",
        "CountingEnum": "governance.clocks.models.Counting",
        "SecurityEventStatusEnum": "governance.incidents.models.SecurityEvent.Status",
        "ObservableTypeEnum": "governance.incidents.models.Observable.Type",
        "IntakeResultEnum": "governance.api.serializers.events.IntakeResult",
        "TlpEnum": "governance.api.serializers.incidents.TLP_CHOICES",
        "IncidentPhaseEnum": "governance.incidents.models.Phase",
        "SeverityEnum": "governance.incidents.models.Severity",
        "IncidentCategoryEnum": "governance.incidents.models.IncidentCategory",
        "IncidentResolutionEnum": "governance.incidents.models.Incident.Resolution",
        "TimelineKindEnum": "governance.incidents.models.TimelineEntry.Kind",
        "ObligationRecipientEnum": "governance.incidents.obligations.models.Recipient",
        "ObligationStageEnum": "governance.incidents.obligations.models.Stage",
        "ObligationRequirementEnum": "governance.incidents.obligations.models.Requirement",
        "ObligationStatusEnum": "governance.incidents.obligations.models.ObligationStatus",
        "NetworkSegmentEnum": "governance.network.models.NetworkSegment",
        "TargetKindEnum": "governance.network.models.TargetKind",
        "ApprovalStatusEnum": "governance.network.models.ApprovalStatus",
        "ValidityBasisEnum": "governance.network.models.ValidityBasis",
        "LedgerStatusEnum": "governance.cases.ledger.LedgerStatus",
        "FigureSourceEnum": "governance.activity.models.FigureSource",
        "ReportStatusEnum": "governance.activity.models.ReportStatus",
    },
    # A choice field that may be blank (a system without a server location) says so in the
    # schema: its enum or the blank value.
    "ENUM_ADD_EXPLICIT_BLANK_NULL_CHOICE": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "governance.api.schema.describe_empty_choices",
    ],
}

# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=60)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    if env_bool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Only this site's own files run as scripts; see governance/csp.py for why styles allow inline
# attributes and two <style> elements by hash. Always on, so the demo and the browser
# journeys (which fail on any violation in the console) run under the production policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        # Material's stylesheets draw check marks and arrows with data: images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
