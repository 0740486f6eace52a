from datetime import UTC, datetime

import pytest
from asgiref.sync import async_to_sync
from django.http import HttpResponse
from django.test import RequestFactory

from apps.api_budget.services import Budget, budget_charge, viewer_key
from schema import schema
from schema.context import Context

pytestmark = pytest.mark.usefixtures("key_prefix")

execute = async_to_sync(schema.execute)

QUERY = "query ($dryRun: Boolean!) { rateLimit(dryRun: $dryRun) { limit cost remaining used resetAt } }"


def context(budget: Budget | None = None, remote_addr: str = "198.51.100.7", **headers: str) -> Context:
    request = RequestFactory().post("/graphql/", REMOTE_ADDR=remote_addr, **headers)
    return Context(request=request, response=HttpResponse(), user=None, budget=budget)


@pytest.mark.parametrize("dry_run", [False, True])
def test_rate_limit_is_the_budget_the_http_layer_charged(dry_run):
    # given
    budget = Budget(limit=5000, cost=3, used=10, remaining=4990, reset_at=datetime(2026, 9, 1, 20, tzinfo=UTC))
    # when
    result = execute(QUERY, variable_values={"dryRun": dry_run}, context_value=context(budget))
    # then
    assert result.errors is None
    assert result.data == {
        "rateLimit": {"limit": 5000, "cost": 3, "remaining": 4990, "used": 10, "resetAt": "2026-09-01T20:00:00+00:00"}
    }


def test_without_a_charged_budget_the_viewers_budget_is_looked_up_without_charging(settings):
    # given: an anonymous client that spent 40 points
    settings.API_BUDGET_ANONYMOUS_POINTS = 500
    budget_charge(viewer_key=viewer_key(user_id=None, client_address="198.51.100.7"), cost=40)
    # when
    first = execute(QUERY, variable_values={"dryRun": True}, context_value=context())
    second = execute(QUERY, variable_values={"dryRun": False}, context_value=context())
    # then
    assert first.errors is None
    assert first.data is not None
    assert first.data["rateLimit"]["limit"] == 500
    assert (first.data["rateLimit"]["cost"], first.data["rateLimit"]["used"]) == (0, 40)
    assert first.data["rateLimit"]["remaining"] == 460
    assert second.data == first.data


def test_the_looked_up_budget_follows_the_client_address_rule(settings):
    # given: a spoofed header from an untrusted peer
    settings.TRUSTED_PROXIES = []
    budget_charge(viewer_key=viewer_key(user_id=None, client_address="198.51.100.7"), cost=40)
    # when
    result = execute(QUERY, variable_values={"dryRun": True}, context_value=context(HTTP_X_FORWARDED_FOR="192.0.2.99"))
    # then: the peer's budget
    assert result.data is not None
    assert result.data["rateLimit"]["used"] == 40
