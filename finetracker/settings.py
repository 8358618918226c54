"""Settings for finetracker.

This is the one place that reads the environment; production and a laptop differ only in it:

    DATABASE_URL   default sqlite:///var/finetracker.sqlite3 (PostgreSQL: postgres://user@host:5432/db)
    REDIS_URL      Celery broker; empty means a serverless broker on files under BROKER_DIR
    BROKER_DIR     folder of the serverless broker (default var/broker; the worker tests use their own)
    CELERY_VISIBILITY_TIMEOUT  seconds before Redis hands an unacknowledged task to another worker
                   (default 1 hour, see below; the killed-worker test uses 20 s)
    FINES_IMPORT_TAKEOVER_SECONDS  how long a run of a task delivered again must have been silent
                   before that task takes it over (default 120; the killed-worker test uses 5)
    SECRET_KEY     required when DEBUG is off
    DEBUG          "1"/"true" for development; off by default
    ALLOWED_HOSTS  comma-separated; defaults to local names when DEBUG is on
    HTTPS          on by default when DEBUG is off (redirect to https, HSTS, secure cookies);
                   "off" for a plain-HTTP run on a local machine
    DB_CONNECT_TIMEOUT  seconds to wait for PostgreSQL before a page is a 503 (default 3)
    DB_STATEMENT_TIMEOUT_MS  longest query of a web request on PostgreSQL (default 2000; 0 = none)
    CONN_MAX_AGE   seconds a database connection is kept open (default 60; the tests use 0)
    LOGIN_FAILURE_LIMIT    failed logins in a row that lock an account (default 10)
    LOGIN_COOLOFF_MINUTES  how long such an account stays locked after its last failure (default 15)
    OTP_REQUIRED_FOR_CHIEF_EDITORS  "1" makes chief editors set up and use an authenticator app (default off)
"""
import datetime
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [item.strip() for item in value.split(",") if item.strip()] or default


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=1 for a development run).")
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])

INSTALLED_APPS = [
    "accounts.apps.EditorsAdminConfig",  # django.contrib.admin, with the editors' site as admin.site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "corsheaders",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "simple_history",
    "accounts",
    "fines",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "finetracker.middleware.PermissionsPolicyMiddleware",
    # Before anything that can answer on its own (WhiteNoise, CommonMiddleware), as its docs ask.
    "corsheaders.middleware.CorsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Around everything that queries (sessions, users, views): a database fault or timeout is a 503 page.
    "finetracker.middleware.StatementTimeoutMiddleware",
    "finetracker.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): did this session give a second factor
    "simple_history.middleware.HistoryRequestMiddleware",  # the editor who makes a change, for its history entry
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as its docs ask: turns a login refused during a cool-off into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "finetracker.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "finetracker.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'finetracker.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The tests' SQLite database is a file, not memory, so that a real worker process sees it
    # (tests/test_worker.py); one per test process, so that two runs at once do not share one.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"finetracker-test-{os.getpid()}.sqlite3")
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A server that does not answer is a 503 page after a few seconds, not a hung worker.
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 3)
# The longest a query of a web request may run on PostgreSQL before it is cancelled and the page is a 503
# (0: no limit). Set per request by finetracker.middleware.StatementTimeoutMiddleware, so the worker and
# management commands, which import and export for minutes, run without it.
WEB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 2000)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Logins (accounts/): django-axes refuses logins to an account after LOGIN_FAILURE_LIMIT failures in a row,
# until LOGIN_COOLOFF_MINUTES after the last of them; django-otp adds an authenticator app's code.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first, so that a locked account is refused before its password is tried
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= datetime.timedelta(0):
    # Without a cool-off, axes locks an account until someone unlocks it by hand.
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_COOLOFF_MINUTES must be at least 1.")
# By account, not by address: editors share offices and proxies, and a guesser changes address. Failures
# count per username whatever the address, browser or cookies; axes.W006 warns of any list without the address.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
# Tries during the cool-off do not restart it, so it ends when the lockout page says it does.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout"
AXES_VERBOSE = False  # no banner from every manage.py command; failures and lockouts are still logged
OTP_REQUIRED_FOR_CHIEF_EDITORS = env_bool("OTP_REQUIRED_FOR_CHIEF_EDITORS")
OTP_TOTP_ISSUER = "finetracker"
OTP_ADMIN_HIDE_SENSITIVE_DATA = True  # the device admin does not show secrets, not even to superusers

# Sessions are the editors' (the public site keeps none): a working day long, out of reach of page scripts
# and of other sites' forms. The cookies' Secure flag goes with the HTTPS settings (see the Reliability issue).
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# HTTPS only, unless DEBUG is on or HTTPS=off (a plain-HTTP run on one's own machine). Behind a proxy that
# ends TLS, the proxy must set X-Forwarded-Proto itself, overwriting any the client sent: the site trusts it.
HTTPS = env_bool("HTTPS", default=not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# A year, subdomains included. Not preloaded: the preload list is hard to leave, and the domain is the owner's call.
SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SILENCED_SYSTEM_CHECKS.append("security.W021")  # HSTS preload off, as said above
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts only from this site, and inline ones only with the request's nonce ({% csp_nonce_attr %}).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
PERMISSIONS_POLICY = {"camera": [], "microphone": [], "geolocation": []}  # finetracker.middleware

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Change history (django-simple-history, see fines.models.change_set and fines.history). A reason may be long
# (it names both organisations of a merge). The admin shows past versions but does not revert to them: a
# revert would save a decision without its appeals and sources, around the checks of its form.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("nl", _("Dutch"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Imports (fines/tasks.py import_source). Past the soft limit a run is stopped and finished as failed,
# releasing the source's lock; past the hard limit the worker kills it. Both stay well under
# fines.importing.STALE_AFTER (1 hour), after which a run still marked running counts as abandoned.
FINES_IMPORT_SOFT_TIME_LIMIT = 25 * 60
FINES_IMPORT_TIME_LIMIT = 30 * 60
FINES_IMPORT_RETRY_MAX_WAIT = 15 * 60  # the longest backoff before another try of a failed fetch
# A running import shows a sign of life every few seconds (ImportRun.beat_at). When its task is delivered
# again, the run is taken over only once it has been silent this long (its worker died); while it lives,
# the new delivery waits and tries again. Longer than a fetch may take (fines/importers/fetch.py).
FINES_IMPORT_TAKEOVER_AFTER = env_int("FINES_IMPORT_TAKEOVER_SECONDS", 120)

REDIS_URL = os.environ.get("REDIS_URL", "")
BROKER_DIR = Path(os.environ.get("BROKER_DIR") or VAR_DIR / "broker")
# With Redis and acks_late a task's message stays unacknowledged from the moment a worker takes it until
# the task ends, and one still unacknowledged after the visibility timeout is given to another worker.
# The longest a worker holds one is a retry's countdown (a retried task is taken at once and kept until
# its time comes) plus a whole run up to the hard time limit: 15 + 30 minutes; with 15 to spare, 1 hour.
# Shorter, and a long import would be started a second time while the first still runs; longer only
# delays the redelivery of a task whose worker died. Workers look for such tasks when they start and
# every quarter of the timeout (at most every minute), not kombu's every 100 s or so, so that a short
# timeout (tests/test_worker.py) gives a task back when it says.
CELERY_VISIBILITY_TIMEOUT = env_int(
    "CELERY_VISIBILITY_TIMEOUT", FINES_IMPORT_RETRY_MAX_WAIT + FINES_IMPORT_TIME_LIMIT + 15 * 60
)
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
        "unacked_restore_interval": max(1, min(60, CELERY_VISIBILITY_TIMEOUT // 4)),
        "unacked_restore_throttle": 1,
    }
    if REDIS_URL
    else {
        # This broker has no visibility timeout: a task taken by a worker that dies is not delivered again.
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),  # broadcast tables (default: "control" in the cwd)
        "store_processed": False,
    }
)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
# No task runs longer than an import.
CELERY_TASK_TIME_LIMIT = FINES_IMPORT_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = FINES_IMPORT_SOFT_TIME_LIMIT
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "import-due-sources": {"task": "fines.tasks.import_due_sources", "schedule": 5 * 60},
}

LOGIN_URL = "admin:login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# The bundled register: real decisions with sources, loaded by `manage.py load_register`.
FINES_REGISTER_FILE = BASE_DIR / "fines" / "data" / "register.json"
FINES_PAGE_SIZE = 50

# The read-only JSON API under /api/ (fines/api/): anonymous, JSON only, no sessions and so no CSRF.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "finetracker API",
    "DESCRIPTION": (
        "Read-only access to the finetracker register of GDPR enforcement decisions: decisions (with their "
        "appeals and sources), authorities and organisations. The decision list takes the same query "
        "parameters as the public list at /fines/; an unknown or invalid parameter is a 400 that names it. "
        "Money is a decimal string in the currency given beside it."
    ),
    "VERSION": "1.0.0",
    "LICENSE": {"name": "MIT"},
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/",
    "SORT_OPERATION_PARAMETERS": False,  # the FilterSet's order, which is the list form's
    "ENUM_NAME_OVERRIDES": {
        "AuthorityKindEnum": "fines.vocabularies.AuthorityKind",
        "SourceKindEnum": "fines.vocabularies.SourceKind",
        "DecisionStatusEnum": "fines.vocabularies.Status",
        "AppealOutcomeEnum": "fines.vocabularies.AppealOutcome",
    },
}
# Anyone may read the API from a browser on another site; nothing else is shared across origins.
CORS_ALLOW_ALL_ORIGINS = True
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False
