"""Settings read from the environment.

With no variable set this is the embedded default for a first look (``make demo``):
SQLite in the project folder, Celery tasks run eagerly, e-mail to the console, DEBUG
off so that errors show the programme's own pages, and static files served by
whitenoise from where they live. ``DEBUG=1`` brings Django's debug pages back for
development. Production sets DATABASE_URL, REDIS_URL, SECRET_KEY and uses
``pagg.production``.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Off unless asked for: a first look meets the Spanish 403, 404 and 500 pages a person
# would meet in production, not Django's English debug pages.
DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = os.environ.get(
    "SECRET_KEY", "django-insecure-embedded-default-key-for-a-first-look-only"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "guardian",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "viewflow",
    "viewflow.workflow",
    "axes",
    "csp",
    "workflows",
    "notifications",
    "agreements",
    "staffing",
    "networks",
    "specialprojects",
    "finance",
    "knowledge",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "workflows.middleware.SpanishFirstLocaleMiddleware",
    "workflows.middleware.RefuseNulInQueryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pagg.urls"
WSGI_APPLICATION = "pagg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "workflows.context_processors.roles",
                "workflows.context_processors.site",
                "notifications.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters bound by the server, and a statement run DB_PREPARE_THRESHOLD times on
    # one connection is prepared there: PostgreSQL then skips its parse and plan, which
    # were about half a millisecond of each audit append (docs/performance.md). Behind a
    # pooler in transaction mode, where a prepared statement can meet another
    # connection, set DB_PREPARE_THRESHOLD=0 to prepare nothing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True,
        prepare_threshold=int(os.environ.get("DB_PREPARE_THRESHOLD", "5")) or None,
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username and address is refused before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "workflows.backends.ObjectPermissionBackend",  # guardian's, one EXISTS query a check
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling (django-axes): a username tried from one address is locked after
# AXES_FAILURE_LIMIT wrong passwords, for AXES_COOLOFF_TIME; the lockout page is ours.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
# Behind a reverse proxy, the number of proxies whose X-Forwarded-For to trust.
AXES_IPWARE_PROXY_COUNT = (
    int(os.environ["AXES_PROXY_COUNT"]) if "AXES_PROXY_COUNT" in os.environ else None
)
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workflows:home"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# Spanish first (Venezuelan usage), English available.
LANGUAGE_CODE = "es-ve"
LANGUAGES = [("es-ve", _("Spanish (Venezuela)")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["pagg.formats"]
USE_I18N = True
USE_THOUSAND_SEPARATOR = True
TIME_ZONE = "America/Caracas"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# whitenoise serves static files whatever DEBUG says. Without a collectstatic run (the
# embedded default, tests) it finds them in the apps and in static/, as runserver would;
# pagg.production serves only the collected, hashed copies.
WHITENOISE_USE_FINDERS = True

# Content Security Policy (django-csp): scripts only from our own static files or
# carrying the request's nonce; no inline handlers, no plugins, no framing.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# Where the running code's source is published (the AGPL offers it to every user of
# the site); the footer links it when set.
SOURCE_CODE_URL = os.environ.get("SOURCE_CODE_URL", "")

# Uploads: signed agreements and other documents.
MAX_DOCUMENT_SIZE = int(os.environ.get("MAX_DOCUMENT_SIZE", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# E-mail: console unless EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=bool(EMAIL_HOST))
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "sent-mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "PAGG Municipal <no-reply@localhost>")

# Celery: Redis in production; without REDIS_URL tasks run eagerly in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# An unacknowledged job (its worker died) is handed out again after this many seconds.
# Publishing gives up after one quick retry: a job that cannot be published waits in
# the outbox (notifications.outbox) instead of holding up the request.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# A job handed to the broker but not done after this long (its message was lost,
# e.g. with a Redis restart) is handed out again by the outbox relay.
OUTBOX_REPUBLISH_AFTER = int(os.environ.get("OUTBOX_REPUBLISH_AFTER", str(2 * 60 * 60)))
CELERY_TIMEZONE = TIME_ZONE
# django-celery-beat's database scheduler, whose rows coordinators edit in the admin; the
# settings below only create the rows that are missing (pagg/beat.py).
CELERY_BEAT_SCHEDULER = "pagg.beat:Scheduler"
CELERY_BEAT_SCHEDULE = {
    "relay-outbox": {
        "task": "notifications.tasks.relay_outbox",
        "schedule": 60,
    },
    "send-reminders": {
        "task": "notifications.tasks.send_reminders",
        "schedule": 15 * 60,
    },
    "send-daily-digests": {
        "task": "notifications.tasks.send_digests",
        "schedule": crontab(hour=7, minute=0),
    },
    "expire-agreements-daily": {
        "task": "agreements.tasks.expire_due_agreements",
        "schedule": 60 * 60 * 24,
    },
    "monthly-programme-report": {
        "task": "reports.tasks.generate_monthly_report",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
    "close-overdue-network-invitations-daily": {
        "task": "networks.tasks.close_overdue_invitations",
        "schedule": crontab(hour=1, minute=0),
    },
    "anonymise-requested-candidates-daily": {
        "task": "staffing.tasks.anonymise_requested_candidates",
        "schedule": crontab(hour=2, minute=0),
    },
    "open-fiscal-periods-daily": {
        "task": "finance.tasks.open_due_periods",
        "schedule": crontab(hour=0, minute=30),
    },
    "seal-audit-chains-hourly": {
        "task": "workflows.tasks.seal_audit_checkpoint",
        "schedule": 60 * 60,
    },
}

SILENCED_SYSTEM_CHECKS = [
    # The library's covering index (knowledge.LibraryEntry) is PostgreSQL's; SQLite, the
    # zero-setup default, builds it on its key columns only, which is all it needs.
    "models.W040",
    # guardian looks for its own backend by name; ours (workflows.backends) is its subclass.
    "guardian.W001",
]

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}


# The API's rules (workflows/rest.py): token and Basic before the session, so that a call
# without valid credentials answers 401 with WWW-Authenticate (the first class names the
# scheme) while a signed-in browser still works, its writes CSRF-checked; JSON only,
# errors included; strict parameters; a rate per caller (429 with Retry-After past it).
# API_THROTTLE_ANON / API_THROTTLE_USER set the rates ("300/minute"; "none" for no limit);
# the counts live in the default cache, shared by every process where REDIS_URL is set.
def _rate(name, default):
    value = os.environ.get(name, default).strip()
    return None if value.lower() in {"", "none", "off"} else value


REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "workflows.authentication.ApiTokenAuthentication",
        "workflows.authentication.SafeBasicAuthentication",
        "workflows.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "workflows.rest.JSONParser",
        "workflows.rest.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "workflows.rest.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["workflows.rest.FilterBackend"],
    "EXCEPTION_HANDLER": "workflows.rest.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "workflows.rest.AnonRateThrottle",
        "workflows.rest.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _rate("API_THROTTLE_ANON", "300/minute"),
        "user": _rate("API_THROTTLE_USER", "1200/minute"),
    },
    # The caller's address for the anonymous rate: REMOTE_ADDR, or behind N proxies the
    # address they saw (the same count django-axes trusts), never a header a client sets.
    "NUM_PROXIES": int(os.environ.get("AXES_PROXY_COUNT", "0")),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PAGG Municipal API",
    "DESCRIPTION": (
        "Task queues, processes, municipalities and agreements of PAGGMunicipal, "
        "and the open data of municipal public finance.\n\n"
        "**Authentication.** The open data (finance periods, classifier, indicators, "
        "lines; the case library) needs none. Everything else answers to a person and "
        "shows exactly what that person sees on the pages: a personal token "
        "(`Authorization: Token <key>`, created on the profile page, /accounts/profile/, "
        "with a name and an expiry, and revocable there), HTTP Basic with the sign-in "
        "password, or the signed-in browser's session (with the CSRF token on writes). "
        "Programs should use a token. Objects outside the person's scope answer 404."
    ),
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The documentation pages load Swagger UI and Redoc from our own static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge (it would ask a third-party server about our schema); no deep
    # links (they put links inside each operation's button, which screen readers cannot
    # reach); no colouring of examples (its colours are too faint on its dark background).
    "SWAGGER_UI_SETTINGS": {
        "deepLinking": False,
        "validatorUrl": None,
        "syntaxHighlight": {"activated": False},
    },
    # The schema documents the public open-data API too, so anyone may read it.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "workflows.api_schema.add_error_responses",
    ],
}

# The engine's territorial scope: the model a task or process is scoped to and
# the function that says which of them a user may act for (see workflows/scope.py).
WORKFLOWS_SCOPE_MODEL = "agreements.Municipality"
WORKFLOWS_SCOPE_RESOLVER = "agreements.scope.municipality_ids_for"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
WORKFLOWS_SCOPED_ROLE_PERMISSIONS = {
    "facilitator": "agreements.facilitate_municipality",
    "municipal_officer": "agreements.represent_municipality",
    # A special project's team works on that project only (object permission on it).
    "project_team": "specialprojects.work_on_project",
}
# A task for one role that another may take on the same object: a facilitator
# may act for the municipal officers of their municipalities.
WORKFLOWS_ACTS_FOR = {
    "agreements.represent_municipality": ["agreements.facilitate_municipality"],
}
WORKFLOWS_FLOWS = [
    "agreements.flows.OnboardingFlow",
    "agreements.flows.FollowUpFlow",
    "finance.flows.FinanceSubmissionFlow",
    "knowledge.flows.CaseFlow",
    "networks.flows.NetworkFlow",
    "specialprojects.flows.ProjectFlow",
    "staffing.flows.HiringFlow",
]

# Notifications: reminder days before a due date, escalation threshold when a
# task's SLA policy has none, and the address used in e-mail links.
NOTIFICATIONS_DUE_SOON_DAYS = [
    int(d) for d in os.environ.get("NOTIFICATIONS_DUE_SOON_DAYS", "3,1").split(",") if d.strip()
]
NOTIFICATIONS_ESCALATE_AFTER_DAYS = 5
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Finance data: how long municipalities have to submit after a period opens,
# how long after a return, upload limits, and the year-on-year change flagged.
FINANCE_SUBMISSION_DAYS = int(os.environ.get("FINANCE_SUBMISSION_DAYS", "30"))
FINANCE_RESUBMIT_DAYS = 5
FINANCE_MAX_UPLOAD_SIZE = int(os.environ.get("FINANCE_MAX_UPLOAD_SIZE", str(50 * 1024 * 1024)))
FINANCE_MAX_UNPACKED_SIZE = 200 * 1024 * 1024
FINANCE_BACKGROUND_BYTES = int(os.environ.get("FINANCE_BACKGROUND_BYTES", str(1024 * 1024)))
FINANCE_LARGE_CHANGE = 0.5
# Findings kept per check: past this many, a file's report counts the rest of that
# check's findings without keeping them (a 200,000-row file of one mistake is one story).
FINANCE_FINDINGS_PER_RULE = int(os.environ.get("FINANCE_FINDINGS_PER_RULE", "1000"))
