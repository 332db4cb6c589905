"""Settings, all from the environment (django-environ).

Nothing differs between development and production except what the environment says. With no
environment at all you get the embedded default that `make run` serves: SQLite, a Celery broker on
the file system (no server), e-mail written to files under var/.
"""

import os
from datetime import timedelta
from ipaddress import ip_network
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

from common.storage import s3_storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("QIHU_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="insecure-dev-key-only-for-the-embedded-default")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_otp",  # the second factor (TOTP, RFC 6238): its devices, verification and replay/throttle rules
    "django_otp.plugins.otp_totp",
    "django_filters",
    "drf_spectacular",
    "django_htmx",  # htmx itself, served as a static file: no front-end build step
    "common",
    "accounts",
    "companies",
    "departments",
    "sla",
    "tickets",
    "intake",
    "triage",
    "problems",
    "lists",
    "notifications",
    "digests",
    "partners",
    "demo",
    "audit",
    "privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "common.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "common.middleware.BodySizeLimitMiddleware",  # 413 with a clear message, in the user's language
    "common.middleware.InvalidInputMiddleware",  # a page's InvalidInput: 400 with its message, not a 500
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): the session passed the second factor
    "accounts.middleware.AccountPolicyMiddleware",  # idle/absolute session end, second factor, password expiry
    "audit.context.AuditContextMiddleware",  # who and from where, for the audit records of signals
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "qihu.urls"
WSGI_APPLICATION = "qihu.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "tickets.web.menu.menu",  # the pages the user's roles may open
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'qihu.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False  # transactions belong to the services
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default has a web server and a worker writing one file: wait, don't fail.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server, and a statement run again on a connection prepared (psycopg, from its
    # fifth run): parsed once, and planned once where PostgreSQL finds a generic plan as good (the token lookup
    # of every API request). Turn it off behind a pooler in transaction mode (PgBouncer < 1.21), which cannot
    # keep prepared statements.
    # Behind a pooler in transaction mode (PgBouncer, pgcat): a connection may change server between transactions,
    # so nothing may outlive one: no prepared statements, no server-side cursors (docs/operations.md).
    transaction_pooler = env.bool("QIHU_DB_TRANSACTION_POOLER", default=False)
    server_side_binding = env.bool("QIHU_DB_SERVER_SIDE_BINDING", default=not transaction_pooler)
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = transaction_pooler
    _binding = {
        "server_side_binding": server_side_binding,
        "prepare_threshold": 5 if server_side_binding else None,  # Django's default (None) never prepares
    }
    # The URL's own options are kept, e.g. ?target_session_attrs=read-write with several hosts: libpq connects to
    # whichever is the primary now, the stable address of a failover (docs/operations.md).
    DATABASES["default"]["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_binding}
    # A streaming replica for the reads that tolerate lag (common/replica.py); tests mirror the primary's.
    if env.str("DATABASE_REPLICA_URL", default=""):
        _replica = env.db("DATABASE_REPLICA_URL")
        DATABASES["replica"] = {
            **DATABASES["default"],
            **_replica,
            "OPTIONS": {**_replica.get("OPTIONS", {}), **_binding},
            "TEST": {"MIRROR": "default"},
        }
DATABASE_ROUTERS = ["common.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The password policy (等保 2.0 身份鉴别): long enough, three character classes of four, not like the username or
# e-mail, not a common or all-digit one, none of the user's last few (accounts/passwords.py). Checked wherever a
# password is chosen (the change page, the admin's forms, `changepassword`).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("QIHU_PASSWORD_MIN_LENGTH", default=10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "accounts.passwords.NotUsernameValidator"},
    {
        "NAME": "accounts.passwords.PasswordHistoryValidator",
        "OPTIONS": {"keep": env.int("QIHU_PASSWORD_HISTORY", default=5)},
    },
]
# Logins: Django's model backend that also refuses a locked account (accounts/lockout.py).
AUTHENTICATION_BACKENDS = ["accounts.lockout.LockoutModelBackend"]
# The authenticator apps show this name beside the account.
OTP_TOTP_ISSUER = env.str("QIHU_OTP_ISSUER", default="qihu 企呼我应")

# zh-hans is the default; `Accept-Language: en` (or the language switch) gives English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web-home"
LOGOUT_REDIRECT_URL = "login"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it even before collectstatic
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "common.staticfiles.ManifestStorage"  # whitenoise's, each URL worked out once
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Attachments live outside the web root and are served only through permission-checked views.
MEDIA_ROOT = Path(env.str("QIHU_MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Several web nodes: attachments in S3-compatible object storage (common/storage.py) when a bucket is named.
if env.str("QIHU_S3_BUCKET", default=""):
    STORAGES["default"] = s3_storage(os.environ)

# EMAIL_URL: smtp://user:pass@host:587, smtp+tls://…; the default writes each message to var/mail/.
# filemail:///abs/dir writes the files to /abs/dir (django-environ would drop the leading /), filemail://rel/dir
# to rel/dir under the project.
_email_url = env.str("EMAIL_URL", default=f"filemail://{VAR_DIR / 'mail'}")
_email = env.email_url_config(_email_url)
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
if _email_url.startswith("filemail://") and _email_url != "filemail://":
    EMAIL_FILE_PATH = str(BASE_DIR / _email_url.removeprefix("filemail://").split("?")[0])  # BASE_DIR / "/x" is /x
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_email.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_email.get("EMAIL_USE_SSL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="qihu@localhost")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["common.api.FilterBackend"],
    # DRF's three, with a JSON parser that refuses a body nested too deep (400, not a RecursionError's 500).
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "common.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("QIHU_THROTTLE_LOGIN", default="20/min"),
        "submit": env.str("QIHU_THROTTLE_SUBMIT", default="60/min"),
        # Per partner system: a city's 12345 platform forwards a few hundred a day, a batch at most this fast.
        "partner": env.str("QIHU_THROTTLE_PARTNER", default="600/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "qihu 企呼我应 API",
    "DESCRIPTION": "Enterprise requests (涉企诉求): filing, triage, routing, handling and evaluation.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Status",
        "ProblemStatusEnum": "problems.models.ProblemStatus",
        "TicketLevelEnum": "tickets.models.Level",
        "SupervisionRaiseEnum": "tickets.api.serializers.SUPERVISION_RAISES",
    },
    # Every operation's error answers (400/401/403/404/409/429/503), documented once: common/schema.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.schema.document_errors",
        "common.schema.document_empty_filters",
    ],
}

# The throttles' counters must be one for every web worker (gunicorn's workers are processes): Redis, or in
# the embedded default a file cache under var/ (common/filecache.py), not each process's memory.
# Redis behind Sentinel (QIHU_REDIS_SENTINELS=host:port,...): the cache and the broker ask the sentinels where the
# master is now, so that the replica promoted when the master dies is found without a restart (issue 19).


def sentinel_addresses(addresses: list[str]) -> list[tuple[str, int]]:
    """host:port strings as (host, port) pairs (tests/ha reads its sentinels' with it too)."""
    return [(host, int(port)) for host, port in (a.rsplit(":", 1) for a in addresses)]


REDIS_SENTINELS = sentinel_addresses(env.list("QIHU_REDIS_SENTINELS", default=[]))
REDIS_SENTINEL_MASTER = env.str("QIHU_REDIS_SENTINEL_MASTER", default="qihu")


def sentinel_cache(sentinels: list[tuple[str, int]], master: str) -> dict:
    """The cache of a node that reaches Redis through the sentinels (tests/ha builds a web node's with it)."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": f"redis://{master}/1",  # the master: throttle counters read what was written
        "OPTIONS": {
            "CONNECTION_FACTORY": "django_redis.pool.SentinelConnectionFactory",
            "SENTINELS": sentinels,
            "SOCKET_CONNECT_TIMEOUT": 2,
            "SOCKET_TIMEOUT": 2,
        },
    }


if REDIS_SENTINELS:
    CACHES = {"default": sentinel_cache(REDIS_SENTINELS, REDIS_SENTINEL_MASTER)}
elif env.str("REDIS_URL", default=""):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.str("REDIS_URL")}}
elif env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}
else:
    CACHES = {"default": {"BACKEND": "common.filecache.FileCache", "LOCATION": str(VAR_DIR / "cache")}}

# Celery. The embedded default uses kombu's file-system transport: a broker with no server.
CELERY_BROKER_URL = (
    env.str("CELERY_BROKER_URL", default="")
    or ";".join(f"sentinel://{host}:{port}/0" for host, port in REDIS_SENTINELS)
    or "filesystem://localhost/"
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    (_broker_dir / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.1,  # seconds; the default 1 s makes submit → routed slow
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Redis redelivers unacknowledged tasks after this long; longer than any task runs.
        "visibility_timeout": env.int("QIHU_BROKER_VISIBILITY_TIMEOUT", default=3600),
        # Look for abandoned tasks every 10 s: kombu 5.7 scans only every 10th look by default (100 s), which
        # can miss a task abandoned just before a worker's start-up scan for that long.
        "unacked_restore_interval": 10,
        "unacked_restore_throttle": 1,
    }
    if CELERY_BROKER_URL.startswith("sentinel://"):
        CELERY_BROKER_TRANSPORT_OPTIONS["master_name"] = REDIS_SENTINEL_MASTER
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that enqueues work must not hang on a broker that is down: give up quickly; the ticket is
# committed already and the sweeper enqueues it again later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TASK_ACKS_LATE = True  # a worker killed mid-task leaves the task to be redelivered
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Two queues: `celery` for what a company or an official waits on (triage, SLA steps, e-mails) and
# `background` for the long runs (common-problem detection, digests, retraining), so that a nightly run
# never holds up a ticket's routing. A worker started without -Q consumes both (the embedded default, the
# tests); docker-compose.yml gives each queue its own worker.
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name) for name in ("celery", "background")]
CELERY_TASK_ROUTES = {
    "problems.*": {"queue": "background"},
    "digests.*": {"queue": "background"},
    "triage.train_model": {"queue": "background"},
}
CELERY_TASK_SOFT_TIME_LIMIT = 60
CELERY_TASK_TIME_LIMIT = 90
CELERY_TIMEZONE = TIME_ZONE
# Celery's Django fix-up closes the database connection after every task (7 ms to open a new one, more
# than a small task takes); keep it, and let qihu/celery.py check it per task as Django does per request.
CELERY_DB_REUSE_MAX = 10_000
# Beat on Redis (RedBeat): the schedule's last runs and a lock live in Redis, so that a second beat stands by and
# takes over within the lock's timeout when the active one dies, each entry's last run known: nothing fires twice
# (issue 19). The embedded default keeps Celery's file-based scheduler (one process, no Redis).
if not CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BEAT_SCHEDULER = "redbeat.RedBeatScheduler"
    CELERY_BEAT_MAX_LOOP_INTERVAL = 5  # seconds; the active beat renews its lock this often
    CELERY_REDBEAT_LOCK_TIMEOUT = env.int("QIHU_BEAT_LOCK_TIMEOUT", default=30)  # a dead beat's lock expires
    CELERY_REDBEAT_KEY_PREFIX = "qihu:redbeat"
    if REDIS_SENTINELS:
        CELERY_REDBEAT_REDIS_URL = "redis-sentinel://sentinels"  # where: the options below
        CELERY_REDBEAT_REDIS_OPTIONS = {
            "sentinels": REDIS_SENTINELS, "service_name": REDIS_SENTINEL_MASTER, "socket_timeout": 2,
            "retry_period": 120,  # keep trying through a Redis failover instead of exiting
        }  # fmt: skip
    else:
        CELERY_REDBEAT_REDIS_URL = CELERY_BROKER_URL
        CELERY_REDBEAT_REDIS_OPTIONS = {"socket_timeout": 2, "retry_period": 120}
CELERY_BEAT_SCHEDULE = {
    # Safety net: a ticket accepted while the broker or worker was down is triaged later.
    "every-minute-requeue-stale-submitted": {
        "task": "triage.requeue_stale_submitted",
        "schedule": timedelta(minutes=1),
    },
    # Nightly retraining of the triage model on every category a person settled that day and before.
    "nightly-train-triage-model": {
        "task": "triage.train_model",
        "schedule": crontab(hour=2, minute=30),
    },
    # The SLA sweeper: reminders at yellow, notices and supervision at red, then the cards (DESIGN.md §4).
    "every-minute-sla-sweep": {
        "task": "tickets.sla_sweep",
        "schedule": timedelta(minutes=1),
    },
    # Notices decided by ticket actions whose telling task was lost (the broker was down): told within a minute.
    "every-minute-tell-pending-notices": {
        "task": "tickets.tell_pending",
        "schedule": timedelta(minutes=1),
    },
    # The outbox: new e-mails, retries whose time came, sends stuck because a worker died.
    "every-minute-send-due-email": {
        "task": "notifications.send_due",
        "schedule": timedelta(minutes=1),
    },
    # Replied tickets the company never evaluated close as 未评价 when the window ends.
    "every-ten-minutes-close-unevaluated": {
        "task": "tickets.close_unevaluated",
        "schedule": crontab(minute="*/10"),
    },
    # Weekly digests of the week that just ended, Monday 08:00 city time (CELERY_TIMEZONE); once per person.
    "weekly-digests": {
        "task": "digests.send_week",
        "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
    },
    # Common problems: the full detection over the rolling window, after the triage model's retraining.
    # Audit records older than the retention (QIHU_AUDIT_RETENTION_DAYS, at least 180) go; the chain stays whole.
    "nightly-purge-audit": {
        "task": "audit.purge",
        "schedule": crontab(hour=4, minute=15),
    },
    # Closed tickets' contacts past QIHU_PII_RETENTION_DAYS are anonymised (PIPL: kept no longer than needed).
    "nightly-anonymise-contacts": {
        "task": "privacy.anonymise_expired",
        "schedule": crontab(hour=4, minute=45),
    },
    "nightly-detect-common-problems": {
        "task": "problems.detect_all",
        "schedule": crontab(hour=3, minute=30),
    },
}

# Outbound channels (notifications/channels.py, docs/integrations.md). SMS and work notices go to files under
# var/ by default (`make run`), `console` logs them; `aliyun` and `dingtalk` call the real services.
OUTBOUND = {
    "SMS_BACKEND": env.str("QIHU_SMS_BACKEND", default="file"),  # file | console | aliyun
    "SMS_DIR": env.str("QIHU_SMS_DIR", default=str(VAR_DIR / "sms")),
    "SMS_ENDPOINT": env.str("QIHU_SMS_ENDPOINT", default="https://dysmsapi.aliyuncs.com/"),
    "SMS_ACCESS_KEY_ID": env.str("QIHU_SMS_ACCESS_KEY_ID", default=""),
    "SMS_ACCESS_KEY_SECRET": env.str("QIHU_SMS_ACCESS_KEY_SECRET", default=""),
    "SMS_SIGN_NAME": env.str("QIHU_SMS_SIGN_NAME", default="企呼我应"),
    "SMS_REGION": env.str("QIHU_SMS_REGION", default="cn-hangzhou"),
    # The provider's template code for each event: QIHU_SMS_TEMPLATES=accepted=SMS_1,answered=SMS_2,…
    "SMS_TEMPLATES": env.dict("QIHU_SMS_TEMPLATES", default={}),
    "WORK_NOTICE_BACKEND": env.str("QIHU_WORK_NOTICE_BACKEND", default="file"),  # file | console | dingtalk
    "WORK_NOTICE_DIR": env.str("QIHU_WORK_NOTICE_DIR", default=str(VAR_DIR / "work-notices")),
    "DINGTALK_URL": env.str("QIHU_DINGTALK_URL", default="https://oapi.dingtalk.com"),
    "DINGTALK_APP_KEY": env.str("QIHU_DINGTALK_APP_KEY", default=""),
    "DINGTALK_APP_SECRET": env.str("QIHU_DINGTALK_APP_SECRET", default=""),
    "DINGTALK_AGENT_ID": env.str("QIHU_DINGTALK_AGENT_ID", default="0"),
    # Webhook URLs are typed in by people: loopback, private and other internal addresses are refused unless
    # this says otherwise (a receiver on the same network, the tests' local receiver).
    "WEBHOOK_ALLOW_INTERNAL": env.bool("QIHU_WEBHOOK_ALLOW_INTERNAL", default=False),
    "WEBHOOK_TIMEOUT": env.float("QIHU_WEBHOOK_TIMEOUT", default=10),
}

# Domain settings.
QIHU = {
    # Triage dispatches on its own only at or above this confidence; below, a dispatcher decides.
    "TRIAGE_CONFIDENCE": env.float("QIHU_TRIAGE_CONFIDENCE", default=0.6),
    # Most tickets one triage task takes at once when they queue up (one model pass, bulk writes).
    "TRIAGE_BATCH": env.int("QIHU_TRIAGE_BATCH", default=64),
    # Attachments: checked by content (tickets/attachments.py); at most this many, this large, per upload.
    "ATTACHMENT_MAX_FILES": env.int("QIHU_ATTACHMENT_MAX_FILES", default=5),
    "ATTACHMENT_MAX_BYTES": env.int("QIHU_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024),
    # Office hours in city time: hour limits count them; a day limit ends at the close.
    "WORKDAY_HOURS": tuple(env.list("QIHU_WORKDAY_HOURS", default=["08:30", "17:30"])),
    # Request types left out of the rates of DESIGN.md §7 (咨询 by default).
    "FIGURES_EXCLUDE_TYPES": env.list("QIHU_FIGURES_EXCLUDE_TYPES", default=["consult"]),
    # A ticket waiting in 待派单 (triage not confident, or returned) is dispatched within this many working days
    # (sla.policies.dispatch_limit); its light turns yellow at 70 %, red when late (DESIGN.md §4).
    "DISPATCH_DAYS": env.int("QIHU_DISPATCH_DAYS", default=1),
    # The public address: links in e-mails and digests open its pages (common/links.py).
    "SITE_URL": env.str("QIHU_SITE_URL", default="http://localhost:8000"),
    # A submitted ticket untouched this long is re-enqueued by the sweeper.
    "STALE_SUBMITTED_AFTER": timedelta(minutes=1),
    # Common problems (docs/common-problems.md): tickets are compared when filed within this many days of each
    # other; two tickets or groups join at this centroid similarity, a single ticket joins a group at the second.
    "COMMON_PROBLEM_WINDOW_DAYS": env.int("QIHU_COMMON_PROBLEM_WINDOW_DAYS", default=90),
    "COMMON_PROBLEM_SIMILARITY": env.float("QIHU_COMMON_PROBLEM_SIMILARITY", default=0.22),
    "COMMON_PROBLEM_JOIN": env.float("QIHU_COMMON_PROBLEM_JOIN", default=0.14),
    # An API token is good this long from its issue (then a 401; the next login issues a new one).
    "TOKEN_TTL": timedelta(hours=env.float("QIHU_TOKEN_TTL_HOURS", default=24)),
    # Reverse proxies (IPs or CIDRs) whose X-Forwarded-For is believed for the client's address (the login
    # throttle's key, common/throttling.py). None by default: the address is the connection's own.
    # The security audit log is kept this many days (at least 180, 等保 2.0; audit/services.py refuses less).
    "AUDIT_RETENTION_DAYS": env.int("QIHU_AUDIT_RETENTION_DAYS", default=180),
    # -- Identification and authentication (issue 18, item 1; docs/security.md) --
    # The second factor (TOTP) is required of officials and administrators: on by default with DEBUG off
    # (production), off for the demo by this one setting (QIHU_OTP_REQUIRED=0, which `make run` sets). Companies
    # may turn it on for themselves either way.
    "OTP_REQUIRED": env.bool("QIHU_OTP_REQUIRED", default=not DEBUG),
    # Failed logins (password or second factor) per username: this many within LOCKOUT_WINDOW lock the account
    # for LOCKOUT_PERIOD, whatever the address (the login throttle counts per address).
    "LOCKOUT_FAILURES": env.int("QIHU_LOCKOUT_FAILURES", default=5),
    "LOCKOUT_WINDOW": timedelta(minutes=env.int("QIHU_LOCKOUT_WINDOW_MINUTES", default=15)),
    "LOCKOUT_PERIOD": timedelta(minutes=env.int("QIHU_LOCKOUT_MINUTES", default=30)),
    # Officials' passwords expire after this many days (0: never); the web asks for a new one.
    "PASSWORD_MAX_AGE": timedelta(days=env.int("QIHU_PASSWORD_MAX_AGE_DAYS", default=90)),
    # A web session ends after this long without a request, and this long after its login whatever happens.
    "SESSION_IDLE": timedelta(minutes=env.int("QIHU_SESSION_IDLE_MINUTES", default=30)),
    "SESSION_MAX": timedelta(hours=env.int("QIHU_SESSION_MAX_HOURS", default=12)),
    # -- Personal information (issue 18, item 4; privacy/crypto.py) --
    # SM4 key for phone numbers at rest, `<id>:<64 hex digits>`; older keys (to decrypt only) during a rotation.
    # Unset: a public demo key, which `check --deploy` refuses.
    "PII_KEY": env.str("QIHU_PII_KEY", default=""),
    "PII_OLD_KEYS": env.list("QIHU_PII_OLD_KEYS", default=[]),
    # A closed ticket's contact (name, phone) is anonymised this many days after it closed (nightly).
    "PII_RETENTION_DAYS": env.int("QIHU_PII_RETENTION_DAYS", default=3 * 365),
    "TRUSTED_PROXIES": [ip_network(n.strip(), strict=False) for n in env.list("QIHU_TRUSTED_PROXIES", default=[])],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"jieba": {"level": "WARNING"}},
}

# Served over HTTPS (behind the reverse proxy): HTTPS-only cookies, HSTS, the redirect. On unless debugging;
# `make run` turns it off, as it serves plain HTTP on the loopback address.
if env.bool("QIHU_HTTPS", default=not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("QIHU_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Also in development: nosniff, the referrer policy and COOP are Django's defaults, stated here so that
# a change is a visible decision; the Content-Security-Policy is common/middleware.py's.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_ENGINE = "accounts.sessions"  # Django's database sessions, read by one plain statement
SESSION_COOKIE_HTTPONLY = True
# The cookie goes with the session's absolute lifetime (accounts/middleware.py ends the session itself).
SESSION_COOKIE_AGE = int(QIHU["SESSION_MAX"].total_seconds())
X_FRAME_OPTIONS = "DENY"
