"""Test settings: the suite runs on PostgreSQL (DATABASE_URL, or the local server at 127.0.0.1:5432)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/deltacrown")
os.environ.setdefault("DATABASE_POOL", "0")
# Budgets live in Redis as in production (`make test` starts one); each test uses its own key prefix.
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client and the browser tests' live server speak plain http, whatever DEBUG says.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
