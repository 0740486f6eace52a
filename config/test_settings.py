"""Test settings: the suite runs on PostgreSQL (DATABASE_URL, or the local server at 127.0.0.1:5432)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/deltacrown")
os.environ.setdefault("DATABASE_POOL", "0")


def _local_redis() -> str:
    """Redis for budgets and persisted queries, as in production, when one answers (`make test` starts one);
    otherwise "" (per-process caches, and the tests that need Redis skip)."""
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return "redis://127.0.0.1:6379/15"
    except OSError:
        return ""


# Each test counts budgets under its own key prefix (tests/conftest.py).
os.environ.setdefault("REDIS_URL", _local_redis())


from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client and the browser tests' live server speak plain http, whatever DEBUG says.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# The streaming replica of scripts/ensure-replica.sh, for the replica tests (tests/config/test_replicas.py):
# configured, but nothing reads from it until a test lists it in DATABASE_REPLICAS.
if "replica_1" not in DATABASES:  # noqa: F405
    DATABASES["replica_1"] = {  # noqa: F405
        **DATABASES["default"],  # noqa: F405
        "PORT": os.environ.get("REPLICA_PORT", "5433"),
        "OPTIONS": {**DATABASES["default"]["OPTIONS"], "connect_timeout": 1},  # noqa: F405
        "TEST": {"MIRROR": "default"},
    }
DATABASE_REPLICAS = []
