"""Budget tests run against the "budgets" cache: Redis when REDIS_URL is set (skipped, with advice, when it does
not answer). Each test gets its own key prefix, so parallel runs never share a counter, and deletes its keys."""

from typing import Any

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from apps.api_budget.services import CACHE_ALIAS


def redis_client(*, skip: bool = True) -> Any:
    """The budgets cache's Redis client, None when the cache is not Redis; skips the test when Redis is down
    (or, with skip=False, returns None)."""
    cache = caches[CACHE_ALIAS]
    if not isinstance(cache, RedisCache):
        return None
    client = cache._cache.get_client(write=True)
    try:
        client.ping()
    except Exception as error:
        if not skip:
            return None
        pytest.skip(
            f"Redis does not answer at REDIS_URL={settings.REDIS_URL} ({error}); start it with "
            "`redis-server --daemonize yes --bind 127.0.0.1 --port 6379` or unset REDIS_URL."
        )
    return client


@pytest.fixture
def clock(monkeypatch) -> list[float]:
    """A settable clock for the budget services: clock[0] is the time (epoch seconds)."""
    from apps.api_budget import services

    now = [1_800_000_000.0]
    monkeypatch.setattr(services, "_now", lambda: now[0])
    return now
