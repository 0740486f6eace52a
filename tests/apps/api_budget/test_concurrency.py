"""Separate processes charging the same viewers at once through Redis: no charge is lost, and no more are
granted than fit."""

import multiprocessing
from typing import Any

import pytest
from django.core.cache import caches

from apps.api_budget.services import CACHE_ALIAS, budget_peek
from tests.apps.api_budget import budget_workers
from tests.apps.api_budget.conftest import redis_client

pytestmark = pytest.mark.slow

PROCESSES = 4
CHARGES = 200
COST = 3
ROOMY = "user:7"  # the player budget: room for every charge
TIGHT = "anon:198.51.100.7"  # the anonymous budget: room for 333 of the 800 charges (999 points)
LIMITS = (10_000, 1_000)


@pytest.fixture(autouse=True)
def _redis() -> None:
    if redis_client() is None:
        pytest.skip(f"Needs Redis: set REDIS_URL (the budgets cache is {type(caches[CACHE_ALIAS]).__name__}).")


def charge_in_processes(key_prefix: str) -> list[dict[str, int]]:
    """Each process charges CHARGES times COST points to both viewers, all released together; the grants of each."""
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(PROCESSES)
    results: Any = spawn.Queue()
    processes = [
        spawn.Process(
            target=budget_workers.charge_in_process,
            args=(key_prefix, LIMITS, barrier, results, [ROOMY, TIGHT], CHARGES, COST),
        )
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=30)
    errors = [detail for status, detail in outcomes if status == "error"]
    assert not errors, errors
    return [granted for _, granted in outcomes]


def test_concurrent_charges_lose_no_points_and_grant_exactly_as_many_as_fit(key_prefix, settings):
    # given
    settings.API_BUDGET_POINTS, settings.API_BUDGET_ANONYMOUS_POINTS = LIMITS
    # when
    granted = charge_in_processes(key_prefix)
    # then: every charge that fit counted once
    assert [grants[ROOMY] for grants in granted] == [CHARGES] * PROCESSES
    assert budget_peek(viewer_key=ROOMY).used == PROCESSES * CHARGES * COST == 2_400
    # and exactly 333 charges fit the tight budget; the refused ones gave their points back
    assert sum(grants[TIGHT] for grants in granted) == 333
    tight = budget_peek(viewer_key=TIGHT)
    assert (tight.used, tight.remaining) == (999, 1)
