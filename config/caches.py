"""Cache clients shared by the whole process.

Django keeps one cache client per thread and per async context (`caches[alias]`): under an ASGI server every
request is a new context, so a Redis-backed cache would open a connection pool, and a TCP connection, for each
request. The API's caches (budgets, persisted queries, sessions) are used on every request, so they use one
client per process instead; Django's clients are thread-safe (redis-py's pool, LocMemCache's lock).
"""

import asyncio
import weakref
from functools import cache

import redis.asyncio
from django.core.cache import BaseCache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed


@cache
def shared_cache(alias: str) -> BaseCache:
    return caches.create_connection(alias)


_async_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, redis.asyncio.Redis]]" = (
    weakref.WeakKeyDictionary()
)


def async_redis(shared: RedisCache) -> redis.asyncio.Redis:
    """An asyncio client of the Redis server behind a shared Redis cache, one per event loop and server.

    For the hot path of the ASGI endpoint (a budget charge per request), which would otherwise hop to a thread
    to use Django's synchronous client. Bound to the running loop: a client's connections belong to the loop
    that opened them (an ASGI server runs one loop per worker process).
    """
    location = shared._servers[0]  # type: ignore[attr-defined]
    clients = _async_clients.setdefault(asyncio.get_running_loop(), {})
    client = clients.get(location)
    if client is None:
        # The cache's socket timeouts too: a Redis that hangs (rather than refusing) fails the call in a second.
        options = getattr(shared, "_options", {})
        timeouts = {key: options[key] for key in ("socket_connect_timeout", "socket_timeout") if key in options}
        client = clients[location] = redis.asyncio.Redis.from_url(location, **timeouts)
    return client


def _forget_on_settings_change(*, setting: str, **kwargs: object) -> None:
    if setting == "CACHES":  # tests that override CACHES get clients for the new configuration
        shared_cache.cache_clear()


setting_changed.connect(_forget_on_settings_change)
