"""The asyncio Redis client of the hot path keeps the shared cache's socket timeouts."""

import asyncio
import socket
import time

import pytest
import redis
from django.core.cache.backends.redis import RedisCache

from config.caches import async_redis


def test_a_redis_that_never_answers_fails_the_call_within_the_socket_timeout() -> None:
    # given a server that accepts connections and never answers, behind a cache with 1 s socket timeouts
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    cache = RedisCache(f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})

    async def ping() -> None:
        await async_redis(cache).ping()

    # when the hot path's client sends it a command
    started = time.monotonic()
    try:
        with pytest.raises(redis.exceptions.TimeoutError):
            asyncio.run(ping())
    finally:
        silent.close()

    # then it gives up after about the timeout, instead of waiting for ever
    assert time.monotonic() - started < 3
