"""Cache clients shared by the whole process.

Django keeps one cache client per thread and per async context (`caches[alias]`): under an ASGI server every
request is a new context, so a Redis-backed cache would open a connection pool, and a TCP connection, for each
request. The API's caches (budgets, persisted queries, sessions) are used on every request, so they use one
client per process instead; Django's clients are thread-safe (redis-py's pool, LocMemCache's lock).
"""

from functools import cache

from django.core.cache import BaseCache, caches
from django.core.signals import setting_changed


@cache
def shared_cache(alias: str) -> BaseCache:
    return caches.create_connection(alias)


def _forget_on_settings_change(*, setting: str, **kwargs: object) -> None:
    if setting == "CACHES":  # tests that override CACHES get clients for the new configuration
        shared_cache.cache_clear()


setting_changed.connect(_forget_on_settings_change)
