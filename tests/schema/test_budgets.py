"""Points budgets at the endpoint: every executed response reports the viewer's budget; over it, 429."""

import pytest
from django.test import Client

from tests.asgi import AsgiClient
from tests.factories import UserFactory
from tests.schema.conftest import count_queries

pytestmark = pytest.mark.django_db

PROFILE = '{ user(username: "budgeted") { username stats { matchesWon } } }'  # costs 2
RATE_LIMIT = "{ rateLimit { limit cost remaining used resetAt } }"  # costs 1


@pytest.fixture(autouse=True)
def _own_budgets(key_prefix: str) -> None:
    """Each test counts from zero (see tests/apps/api_budget/conftest.py)."""


@pytest.fixture
def player() -> None:
    UserFactory(username="budgeted")


def test_every_executed_response_reports_the_budget(settings, player) -> None:
    # given an anonymous budget of 10 points
    settings.API_BUDGET_ANONYMOUS_POINTS = 10

    # when a 2-point operation runs
    response = AsgiClient().post("/graphql/", {"query": PROFILE})

    # then headers and extensions both show what is left
    assert response.status_code == 200
    assert response["X-RateLimit-Limit"] == "10"
    assert response["X-RateLimit-Remaining"] == "8"
    assert response["X-RateLimit-Used"] == "2"
    assert int(response["X-RateLimit-Reset"]) > 0
    extension = response.json()["extensions"]["rateLimit"]
    assert (extension["limit"], extension["cost"], extension["remaining"], extension["used"]) == (10, 2, 8, 2)


def test_the_rate_limit_field_shows_the_budget_after_this_operation(settings) -> None:
    settings.API_BUDGET_ANONYMOUS_POINTS = 10
    first = AsgiClient().post("/graphql/", {"query": RATE_LIMIT}).json()["data"]["rateLimit"]
    second = AsgiClient().post("/graphql/", {"query": RATE_LIMIT}).json()["data"]["rateLimit"]
    assert (first["limit"], first["cost"], first["used"], first["remaining"]) == (10, 1, 1, 9)
    assert (second["used"], second["remaining"]) == (2, 8)


def test_over_budget_is_429_with_retry_after_and_runs_nothing(settings, player) -> None:
    # given a budget with room for two operations
    settings.API_BUDGET_ANONYMOUS_POINTS = 5
    api = AsgiClient()
    assert [api.post("/graphql/", {"query": PROFILE}).status_code for _ in range(2)] == [200, 200]

    # when a third is sent
    with count_queries() as executed:
        refused = api.post("/graphql/", {"query": PROFILE}, HTTP_ACCEPT="application/graphql-response+json")

    # then it is refused before any SQL, says when to come back, and spends nothing
    assert executed == []
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= settings.API_BUDGET_WINDOW_SECONDS + 60
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert error["extensions"]["rateLimit"]["remaining"] == 1
    assert refused["X-RateLimit-Remaining"] == "1"
    assert api.post("/graphql/", {"query": RATE_LIMIT}).status_code == 200  # one point still fits


def test_players_and_anonymous_clients_have_separate_budgets(settings, client: Client) -> None:
    # given tiny budgets, and an anonymous client that spent all of its own
    settings.API_BUDGET_ANONYMOUS_POINTS = 1
    settings.API_BUDGET_POINTS = 3
    assert AsgiClient().post("/graphql/", {"query": RATE_LIMIT}).status_code == 200
    assert AsgiClient().post("/graphql/", {"query": RATE_LIMIT}).status_code == 429

    # when a player on the same address asks
    client.force_login(UserFactory())
    mine = AsgiClient(client).post("/graphql/", {"query": RATE_LIMIT})

    # then the player's own budget answers
    assert mine.status_code == 200
    assert mine.json()["data"]["rateLimit"]["limit"] == 3
