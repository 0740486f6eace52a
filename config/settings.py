"""Settings, all from environment variables.

With no DATABASE_URL the app runs on a local SQLite file (the zero-set-up demo); production and the test
suite run on PostgreSQL.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEVELOPMENT_SECRET_KEY = "django-insecure-deltacrown-development-only"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEVELOPMENT_SECRET_KEY:
    raise ImproperlyConfigured("DEBUG=0 needs a real SECRET_KEY: set the SECRET_KEY environment variable.")

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "pgtrigger",
    "strawberry_django",
    "apps.teams",
    "apps.tournaments",
    "apps.economy",
    "apps.user_profile",
    "apps.api_tokens",
    "apps.persisted_queries",
    "apps.demo",
    "apps.benchmarks",
]

# GraphiQL at /graphql/ in a browser: on in development, off in production unless asked for.
GRAPHIQL_ENABLED = env_bool("GRAPHIQL_ENABLED", DEBUG)

# Trusted documents (docs/persisted-queries.md): when on, anonymous and non-staff clients may run only the
# documents loaded from client manifests (manage.py trusted_documents_load), by documentId or by their SHA-256
# through the APQ extension; staff keep free-form queries, APQ and GraphiQL. Turn it on in production once every
# client ships a manifest.
GRAPHQL_TRUSTED_DOCUMENTS_ONLY = env_bool("GRAPHQL_TRUSTED_DOCUMENTS_ONLY", False)
# Automatic persisted queries (Apollo's APQ protocol): clients send a hash, and the query only when the hash is
# unknown. Registering new hashes never bypasses trusted-only mode: there, non-staff hashes hit trusted documents
# only.
GRAPHQL_APQ_ENABLED = env_bool("GRAPHQL_APQ_ENABLED", True)
# How long a registered APQ query stays in the store (fixed, from registration); a client whose hash expired
# just registers it again (one extra round trip).
GRAPHQL_APQ_TTL = int(os.environ.get("GRAPHQL_APQ_TTL", str(24 * 3600)))
# The in-process LRU in front of the trusted documents and the APQ store (entries; seconds an entry is kept,
# which bounds how long a trusted document deleted in the admin stays runnable in a running worker).
GRAPHQL_PERSISTED_LRU_SIZE = int(os.environ.get("GRAPHQL_PERSISTED_LRU_SIZE", "1000"))
GRAPHQL_PERSISTED_LRU_TTL = int(os.environ.get("GRAPHQL_PERSISTED_LRU_TTL", "300"))
# Longest query text accepted (characters), free-form or registered.
GRAPHQL_MAX_QUERY_LENGTH = int(os.environ.get("GRAPHQL_MAX_QUERY_LENGTH", "100000"))

# Shared by every worker when REDIS_URL is set (the APQ store); in-process otherwise.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "persisted_queries": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "apq",
            "TIMEOUT": GRAPHQL_APQ_TTL,
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "persisted-queries",
            "TIMEOUT": GRAPHQL_APQ_TTL,
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        }
    ),
}

# /metrics: with a token, scrapers send "Authorization: Bearer <token>"; without one, loopback clients only.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the stylesheet and vendored GraphiQL files in production too (no separate web server needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

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

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_POOL", True):
    # Under ASGI every request runs the ORM on a fresh thread: without a pool each one opens a new
    # PostgreSQL connection.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX", "20")),
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation pays off for long analytical scans only: here it added 2.5-4 s of compiling to every
    # backfill batch (their plans cross jit_above_cost) while the queries themselves ran in under 1 s.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Mounts the raw-SQL comparison views of the benchmark under /__bench__/ (bench/floor.py); never in production.
BENCH = env_bool("BENCH", False)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# WhiteNoise serves straight from the finders (below), so no collectstatic is needed; set STATIC_ROOT only to
# collect the files for another server or a CDN.
STATIC_ROOT = os.environ.get("STATIC_ROOT") or None
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/me/activity/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
