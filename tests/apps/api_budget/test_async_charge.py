"""The endpoint charges on the event loop (budget_charge_async): the same budgets as budget_charge, both stores."""

import asyncio

import pytest

from apps.api_budget.services import budget_charge, budget_charge_async, budget_peek

pytestmark = pytest.mark.usefixtures("key_prefix")

PLAYER = "user:41"


@pytest.fixture(autouse=True)
def _budgets(settings):
    settings.API_BUDGET_POINTS = 100
    settings.API_BUDGET_WINDOW_SECONDS = 3600


@pytest.fixture(params=["redis", "process"])
def store(request, settings):
    """The budgets cache as configured (Redis at REDIS_URL in the suite), then a process-local one."""
    if request.param == "process":
        settings.CACHES = {
            **settings.CACHES,
            "budgets": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "async-budgets"},
        }
    return request.param


def _charges(*costs: int):
    async def run():
        return [await budget_charge_async(viewer_key=PLAYER, cost=cost) for cost in costs]

    return asyncio.run(run())


def test_async_charges_spend_refuse_and_give_back_like_the_sync_ones(clock, store):
    # given 90 of 100 points spent on the event loop
    # when 20 more are asked for, then 10
    spent, refused, fits = _charges(90, 20, 10)

    # then the 20 are refused and nothing of them is spent; the 10 fit exactly
    assert (spent.used, spent.remaining, spent.exceeded) == (90, 10, False)
    assert (refused.cost, refused.used, refused.remaining, refused.exceeded) == (20, 90, 10, True)
    assert (fits.used, fits.remaining, fits.exceeded) == (100, 0, False)
    # and the synchronous side sees the same counter
    assert budget_peek(viewer_key=PLAYER).used == 100
    assert budget_charge(viewer_key=PLAYER, cost=1).exceeded


def test_an_async_charge_of_nothing_is_a_peek(clock, store):
    # given
    budget_charge(viewer_key=PLAYER, cost=7)

    # when
    (peek,) = _charges(0)

    # then
    assert (peek.cost, peek.used) == (0, 7)


def test_a_cost_above_the_limit_is_refused_on_the_event_loop_too(clock, store):
    # when
    (budget,) = _charges(101)

    # then
    assert budget.exceeded
    assert (budget.used, budget.remaining) == (0, 100)
