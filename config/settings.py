"""Settings, all from environment variables.

The app runs on PostgreSQL only: DATABASE_URL, else the server at 127.0.0.1:5432. `make demo` and `make test`
set DATABASE_URL to an embedded server (scripts/embedded_postgres.py) when there is no other.
"""

import ipaddress
import os
import re
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.postgres_session import SESSION_OPTIONS

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
    "csp",
    "pgtrigger",
    "strawberry_django",
    "apps.teams",
    "apps.tournaments",
    "apps.economy",
    "apps.user_profile",
    "apps.privacy",
    "apps.api_tokens",
    "apps.persisted_queries",
    "apps.demo",
    "apps.benchmarks",
    "apps.api_budget",
    "apps.analytics",
]

# Model-backed GraphQL types (schema/model_types.py) describe a column with the model field's help_text.
STRAWBERRY_DJANGO = {"FIELD_DESCRIPTION_FROM_HELP_TEXT": True}

# GraphiQL at /graphql/ in a browser: on in development, off in production unless asked for.
GRAPHIQL_ENABLED = env_bool("GRAPHIQL_ENABLED", DEBUG)

# The API's limits on one request (docs/api.md).
GRAPHQL_MAX_BODY_BYTES = int(os.environ.get("GRAPHQL_MAX_BODY_BYTES", str(100 * 1024)))
# Execution is cancelled past this, its running SQL included; the client gets TIMEOUT.
GRAPHQL_DEADLINE_SECONDS = float(os.environ.get("GRAPHQL_DEADLINE_SECONDS", "5"))

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


# /metrics: with a token, scrapers send "Authorization: Bearer <token>"; without one, loopback clients only.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")

# Incident switch (docs/operations.md): ACTIVITY_LIVE_STATS=0 records events without updating player stats;
# `reconcile_user_stats --fix` restores them afterwards. Exported as deltacrown_live_stats_enabled.
ACTIVITY_LIVE_STATS = env_bool("ACTIVITY_LIVE_STATS", True)
# A backfill run with no committed batch for this long is presumed killed and marked abandoned.
BACKFILL_STALE_AFTER_MINUTES = int(os.environ.get("BACKFILL_STALE_AFTER_MINUTES", "30"))

# The most an operation may cost before it runs (schema/cost.py, docs/api-cost.md): a 100-event feed page
# costs 403 and a player's profile 100; a 100-player board with 100 events each costs 40301.
GRAPHQL_MAX_QUERY_COST = int(os.environ.get("GRAPHQL_MAX_QUERY_COST", "1000"))

# Proxies whose X-Forwarded-For / Forwarded headers are believed (comma-separated IPs or CIDRs); empty: none,
# the direct peer is the client. See docs/api-budgets.md.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
# Which header the trusted proxies write the client chain to: "x-forwarded-for" or "forwarded" (RFC 7239).
# Only one is read: a proxy passes the other through untouched, so the client could write it.
TRUSTED_PROXY_HEADER = os.environ.get("TRUSTED_PROXY_HEADER", "x-forwarded-for").strip().lower()

# GraphQL points budgets per viewer and fixed window (docs/api-budgets.md).
API_BUDGET_WINDOW_SECONDS = int(os.environ.get("API_BUDGET_WINDOW_SECONDS", "3600"))
# A point is an object the operation may return (docs/api-cost.md): a 100-event feed page costs 403, so a player
# may page through about 250 of them an hour.
API_BUDGET_POINTS = int(os.environ.get("API_BUDGET_POINTS", "100000"))
# Anonymous clients are counted per address (IPv6 per /64) and cost nothing to multiply: a fifth of a player's.
API_BUDGET_ANONYMOUS_POINTS = int(os.environ.get("API_BUDGET_ANONYMOUS_POINTS", "20000"))
API_BUDGET_KEY_PREFIX = os.environ.get("API_BUDGET_KEY_PREFIX", "budget")

# Budgets and automatic persisted queries must be shared by every worker process: Redis when REDIS_URL is set;
# otherwise per process (the server logs a warning at start).
REDIS_URL = os.environ.get("REDIS_URL", "")


def _shared_cache(*, key_prefix: str, local_name: str, **options: object) -> dict[str, object]:
    """A cache in Redis at REDIS_URL (a stalled Redis fails a request in a second instead of hanging it), else
    in this process's memory under `local_name`."""
    if REDIS_URL:
        redis_options = {"socket_connect_timeout": 1, "socket_timeout": 1}
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": key_prefix,
            **{key: value for key, value in options.items() if key != "OPTIONS"},
            "OPTIONS": redis_options,
        }
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": local_name, **options}


# Live subscriptions (docs/realtime.md): events fan out through Redis to every worker process when REDIS_URL is
# set; otherwise in this process's memory (the single-process demo; the server says so at start).
ACTIVITY_STREAM_PUBLISH = env_bool("ACTIVITY_STREAM_PUBLISH", True)
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # Each process's hub channel holds what it has not read yet: room for bursts.
            "CONFIG": {
                # redis-py's default read timeout (5 s) equals channels_redis' blocking pop (5 s): an idle
                # receive would time out at the very moment Redis hands it a message. Reads wait longer.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "capacity": 10_000,
                "expiry": 60,
                "group_expiry": 86_400,
            },
        }
        if REDIS_URL
        else {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": 10_000}}
    )
}

# Limits of the live transports (schema/realtime/limits.py, docs/realtime.md).
REALTIME_MAX_SUBSCRIPTIONS_PER_CONNECTION = int(os.environ.get("REALTIME_MAX_SUBSCRIPTIONS_PER_CONNECTION", "10"))
# Per viewer over every worker process when REDIS_URL is set (leases in Redis); per process otherwise.
REALTIME_MAX_SUBSCRIPTIONS_PER_VIEWER = int(os.environ.get("REALTIME_MAX_SUBSCRIPTIONS_PER_VIEWER", "50"))
# A subscription's lease in that count, renewed every third of it while it is open: the slots of a worker that
# dies without giving them back are free again within this time.
REALTIME_SUBSCRIPTION_LEASE_SECONDS = float(os.environ.get("REALTIME_SUBSCRIPTION_LEASE_SECONDS", "60"))
REALTIME_SUBSCRIPTIONS_KEY_PREFIX = os.environ.get("REALTIME_SUBSCRIPTIONS_KEY_PREFIX", "subscriptions")
REALTIME_INIT_TIMEOUT_SECONDS = float(os.environ.get("REALTIME_INIT_TIMEOUT_SECONDS", "5"))
REALTIME_KEEPALIVE_SECONDS = float(os.environ.get("REALTIME_KEEPALIVE_SECONDS", "15"))
REALTIME_IDLE_TIMEOUT_SECONDS = float(os.environ.get("REALTIME_IDLE_TIMEOUT_SECONDS", "60"))

CACHES = {
    # Sessions are read through it (below): shared by every worker only in Redis.
    "default": _shared_cache(key_prefix="dc", local_name=""),
    "budgets": _shared_cache(key_prefix="dc", local_name="budgets"),
    # Read-your-writes pins (config/read_your_writes.py): shared by every worker only in Redis.
    "read_pins": _shared_cache(key_prefix="dc", local_name="read-pins"),
    # Automatic persisted queries (docs/persisted-queries.md).
    "persisted_queries": _shared_cache(
        key_prefix="apq",
        local_name="persisted-queries",
        TIMEOUT=GRAPHQL_APQ_TTL,
        OPTIONS={"MAX_ENTRIES": 10_000},  # in memory only: Redis evicts by its own policy
    ),
}

MIDDLEWARE = [
    # First: X-Forwarded-Proto is believed from TRUSTED_PROXIES only (the SecurityMiddleware reads it next).
    "config.proxies.ForwardedProtoFromTrustedProxiesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Serves the stylesheet and vendored GraphiQL files in production too (no separate web server needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a page's reads go to a replica unless it writes or its viewer just wrote.
    "config.read_routing.ReplicaReadsMiddleware",
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

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/deltacrown"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL), conn_max_age=0)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    # The SQL (LATERAL joins, ON CONFLICT, triggers, COPY) is PostgreSQL's: there is no other backend.
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://user@host:port/name).")
if env_bool("DATABASE_POOL", True):
    # Under ASGI every request runs the ORM on a fresh thread: without a pool each one opens a new
    # PostgreSQL connection.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DATABASE_POOL_MIN", "2")),
        "max_size": int(os.environ.get("DATABASE_POOL_MAX", "20")),
        # While the database is down a request waits this long for a connection, then gets a 503.
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "3")),
    }
# Django requests (pages, the admin) in flight at once per process; the rest wait on the event loop (config/asgi.py).
# Each holds a pooled connection, beside the API's one database thread, so it must stay below the pool's size.
DJANGO_CONCURRENT_REQUESTS = int(os.environ.get("DJANGO_CONCURRENT_REQUESTS", "4"))
_pool_size = DATABASES["default"].get("OPTIONS", {}).get("pool", {}).get("max_size")
if DJANGO_CONCURRENT_REQUESTS < 1 or (_pool_size is not None and _pool_size <= DJANGO_CONCURRENT_REQUESTS):
    raise ImproperlyConfigured(
        f"DJANGO_CONCURRENT_REQUESTS must be at least 1 and below DATABASE_POOL_MAX ({_pool_size}): "
        f"got {DJANGO_CONCURRENT_REQUESTS}."
    )
# No JIT, generic plans for prepared statements: config/postgres_session.py says why.
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = f"{_options.get('options', '')} {SESSION_OPTIONS}".strip()

# --- Read replicas (docs/scale-out.md) ------------------------------------------------------------------------------
# Streaming replicas of the primary, comma-separated URLs: the API's and the pages' reads go to them (aliases
# replica_1, replica_2, ...), everything that writes to the primary. Empty: everything on the primary.
DATABASE_REPLICA_URLS = [u.strip() for u in os.environ.get("DATABASE_REPLICA_URLS", "").split(",") if u.strip()]
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    _replica = dj_database_url.parse(_url, conn_max_age=0)
    _replica["OPTIONS"] = {**DATABASES["default"]["OPTIONS"], **_replica.get("OPTIONS", {})}
    _replica["OPTIONS"].setdefault("connect_timeout", int(os.environ.get("DATABASE_REPLICA_CONNECT_TIMEOUT", "1")))
    # Tests read the replica's copy of the test database.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
DATABASE_REPLICAS = [f"replica_{n}" for n in range(1, len(DATABASE_REPLICA_URLS) + 1)]
DATABASE_ROUTERS = ["config.db_router.ReadReplicaRouter"]
# A replica further behind the primary than this (replay lag) is skipped until it catches up.
DATABASE_REPLICA_MAX_LAG_SECONDS = float(os.environ.get("DATABASE_REPLICA_MAX_LAG_SECONDS", "5"))
# How often each process measures its replicas' lag (and retries one that was down).
DATABASE_REPLICA_CHECK_SECONDS = float(os.environ.get("DATABASE_REPLICA_CHECK_SECONDS", "1"))
DATABASE_REPLICA_CONNECT_TIMEOUT = int(os.environ.get("DATABASE_REPLICA_CONNECT_TIMEOUT", "1"))
# Read-your-writes: after a viewer's own write, that viewer's reads stay on the primary this long. Longer than
# the lag threshold, so a replica in use has always caught up with the write by the time the pin ends.
DATABASE_READ_YOUR_WRITES_SECONDS = int(os.environ.get("DATABASE_READ_YOUR_WRITES_SECONDS", "10"))

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

# Every API request from a browser loads its session: with Redis, from the cache (written through to the
# database). A per-process cache would keep a session alive in one worker after a logout in another.
SESSION_ENGINE = "apps.api_tokens.sessions" if REDIS_URL else "django.contrib.sessions.backends.db"
AUTHENTICATION_BACKENDS = [
    "apps.api_tokens.backends.SessionUserBackend",
    # Sessions signed in before the backend above existed name Django's; they stay valid.
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/me/activity/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Transport security (docs/deployment.md) ---------------------------------------------------------------------
# Production terminates TLS at a reverse proxy: Django sees plain http from it and learns the client's scheme from
# X-Forwarded-Proto. The development server and the test suite (DEBUG=1) stay on plain http.

# Proxies in front of the app (comma-separated IPs or CIDRs); empty: none, the direct peer is the client. Only these
# peers' X-Forwarded-* headers are believed: X-Forwarded-Proto here (config.proxies), client addresses elsewhere.
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("TRUSTED_PROXIES", "").split(",") if p.strip()]
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or CIDR.") from _error
# Django takes the scheme from this header whenever it is set: config.proxies drops it from untrusted peers first.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUSTED_PROXIES else None

# Plain-http requests are redirected to https, except the ones monitoring makes straight to the app server
# (paths without the leading slash).
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^metrics$", r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# HSTS: a year in production. includeSubDomains is on (the app's host name has no plain-http subdomains of its own);
# preload is off: it asks browsers to hard-code the whole registrable domain as https-only, which is the domain
# owner's decision, made once for every service under it and slow to undo; set SECURE_HSTS_PRELOAD=1 then.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# security.W021 ("SECURE_HSTS_PRELOAD is not True") states that decision, not a misconfiguration.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- Content-Security-Policy (django-csp 4) -----------------------------------------------------------------------
# Inline <script> and <style> elements need the per-request nonce: nonce="{{ request.csp_nonce }}" (the header
# names it on the pages that use it only). data: fonts are GraphiQL's (inlined in its stylesheet). The GraphiQL
# page alone also allows inline styles (schema/graphiql.py says why).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "object-src": [NONE],
    }
}

# --- CORS for the API (schema/http/cors.py) -------------------------------------------------------------------------
# Origins of browser apps allowed to call /graphql/ from another origin, comma-separated ("https://app.example.com");
# empty: same-origin only. "*" allows every origin, never with credentials.
CORS_ALLOWED_ORIGINS = [o.strip() for o in os.environ.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()]
_ORIGIN = re.compile(r"^https?://[^/\s?#]+$")
for _origin in CORS_ALLOWED_ORIGINS:
    if _origin != "*" and not _ORIGIN.match(_origin):
        raise ImproperlyConfigured(
            f"CORS_ALLOWED_ORIGINS: {_origin!r} is not an origin (scheme://host[:port], no path or trailing slash)."
        )
# Whether the listed origins may send cookies (the session) and read the answers; never with "*".
CORS_ALLOW_CREDENTIALS = env_bool("CORS_ALLOW_CREDENTIALS", True) and "*" not in CORS_ALLOWED_ORIGINS
# A session mutation from a listed origin passes Django's CSRF origin check (it still needs the X-CSRFToken header).
CSRF_TRUSTED_ORIGINS = [o for o in CORS_ALLOWED_ORIGINS if o != "*"] if CORS_ALLOW_CREDENTIALS else []
