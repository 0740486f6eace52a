"""Budgets are kept in Redis: every server process charges the same counter."""

import httpx
import pytest
from django.conf import settings

from tests.apps.api_budget.conftest import redis_client
from tests.live.conftest import LiveServer

RATE_LIMIT = "{ rateLimit { limit cost remaining used resetAt } }"  # costs 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_two_server_processes_share_one_budget_on_redis(live_server_factory: LiveServer, key_prefix: str) -> None:
    # given two separate servers on the same Redis, and an anonymous budget of 6 points
    if redis_client() is None:
        pytest.skip("Needs Redis: set REDIS_URL (make test does).")
    environment = {
        "REDIS_URL": settings.REDIS_URL,
        "API_BUDGET_ANONYMOUS_POINTS": "6",
        "API_BUDGET_KEY_PREFIX": key_prefix,
    }
    servers = [live_server_factory(**environment), live_server_factory(**environment)]

    # when the client alternates between them
    statuses = [httpx.post(f"{servers[n % 2]}/graphql/", json={"query": RATE_LIMIT}).status_code for n in range(8)]

    # then together they granted exactly the 6 points
    assert statuses == [200] * 6 + [429] * 2
