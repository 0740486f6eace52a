"""More concurrent page requests than the connection pool holds: the excess waits its turn instead of failing."""

import asyncio
import os
import subprocess
import sys
import threading

import httpx
import psycopg
import pytest

from apps.user_profile.models import UserProfileStats
from tests.factories import UserFactory
from tests.live.conftest import LiveServer, database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

STATS_TABLE = UserProfileStats._meta.db_table


async def _get_all(url: str, count: int) -> list[int]:
    async with httpx.AsyncClient(timeout=30) as client:
        responses = await asyncio.gather(*(client.get(url) for _ in range(count)))
    return [response.status_code for response in responses]


def test_page_requests_beyond_the_pool_wait_instead_of_failing(live_server_factory: LiveServer) -> None:
    # given a server with a 3-connection pool that gives up on a connection after 0.3 s, 2 Django requests at
    # once, and every profile page held up by a lock on the stats for 1.5 s (a slow page)
    UserFactory(username="busy")
    url = live_server_factory(
        DATABASE_POOL="1",
        DATABASE_POOL_MIN="1",
        DATABASE_POOL_MAX="3",
        DATABASE_POOL_TIMEOUT="0.3",
        DJANGO_CONCURRENT_REQUESTS="2",
    )
    holder = psycopg.connect(database_url())
    holder.execute(f"LOCK TABLE {STATS_TABLE} IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(1.5, holder.rollback)
    release.start()

    # when 10 visitors open the profile at once
    try:
        statuses = asyncio.run(_get_all(f"{url}/players/busy/", 10))
    finally:
        release.join()
        holder.close()

    # then all are answered, after the lock goes, none with a pool timeout's error
    assert statuses == [200] * 10


def test_the_django_concurrency_must_leave_the_pool_a_connection() -> None:
    # given a concurrency as large as the pool
    environment = {"DJANGO_CONCURRENT_REQUESTS": "20", "DATABASE_POOL": "1", "DATABASE_POOL_MAX": "20"}

    # when the settings load
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **environment},
        capture_output=True,
        text=True,
    )

    # then they refuse it, saying why
    assert result.returncode != 0
    assert "DJANGO_CONCURRENT_REQUESTS must be at least 1 and below DATABASE_POOL_MAX (20): got 20." in result.stderr
