"""Suite-wide fixtures. The tests run on PostgreSQL; they stop at once with advice when none answers."""

import os
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from django.core.cache import caches


def pytest_configure(config: pytest.Config) -> None:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/deltacrown")
    try:
        with psycopg.connect(url, dbname="postgres", connect_timeout=3):
            pass
    except psycopg.Error as error:
        pytest.exit(
            f"The test suite needs PostgreSQL and none answered at {url}: {error}\n"
            "Start the local server (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) "
            "or point DATABASE_URL at one, e.g. DATABASE_URL=postgres://user@host:5432/deltacrown.",
            returncode=3,
        )


@pytest.fixture(autouse=True)
def key_prefix(settings) -> Iterator[str]:
    """API points budgets count per test: requests of other tests (or of earlier runs on the same Redis) never
    leave a test short of points. The test's keys are deleted after it."""
    from tests.apps.api_budget.conftest import redis_client

    prefix = f"budget-test-{uuid.uuid4().hex}"
    settings.API_BUDGET_KEY_PREFIX = prefix
    yield prefix
    client = redis_client(skip=False)
    if client is not None:
        keys = list(client.scan_iter(match=f"*{prefix}*"))
        if keys:
            client.delete(*keys)
    else:
        caches["budgets"].clear()  # a local-memory cache of this process only


@pytest.fixture(scope="session", autouse=True)
def flush_past_the_truncate_guard() -> Iterator[None]:
    """Transactional tests end with Django's flush, a TRUNCATE of every table; the activity log's no_truncate
    trigger refuses TRUNCATE (and TRUNCATE ... CASCADE) to everyone else, so only the test flush ignores it,
    the way the erase service ignores append_only for its own statement."""
    import pgtrigger
    from django.db.backends.postgresql.operations import DatabaseOperations

    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self: DatabaseOperations, sql_list: list[str]) -> None:
        with pgtrigger.ignore("user_profile.UserActivity:no_truncate", databases=[self.connection.alias]):
            flush(self, sql_list)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "execute_sql_flush", execute_sql_flush)
        yield


def cache_clear(alias: str) -> None:
    """Empty one cache without touching the others: on Redis, `cache.clear()` is FLUSHDB, which would also wipe
    the sessions and budgets that share the test database number (and those of a run in another process)."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches[alias]
    if not isinstance(cache, RedisCache):
        cache.clear()
        return
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=cache.make_key("*")))
    if keys:
        client.delete(*keys)
