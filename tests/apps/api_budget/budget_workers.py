"""Entry point of the separate processes of the budget concurrency test (started with the 'spawn' method)."""

import os
from typing import Any


def charge_in_process(
    key_prefix: str, limits: tuple[int, int], barrier: Any, results: Any, viewers: list[str], charges: int, cost: int
) -> None:
    """Charge `charges` times `cost` points to each viewer in turn, starting together with the other processes;
    report the grants per viewer. `limits` are the player and anonymous budgets."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django
    from django.conf import settings

    django.setup()
    settings.API_BUDGET_KEY_PREFIX = key_prefix
    settings.API_BUDGET_POINTS, settings.API_BUDGET_ANONYMOUS_POINTS = limits
    from apps.api_budget.services import budget_charge, budget_peek

    try:
        budget_peek(viewer_key=viewers[0])  # connect before the barrier, so the charges really overlap
        barrier.wait(timeout=60)
        granted = dict.fromkeys(viewers, 0)
        for _ in range(charges):
            for viewer in viewers:
                granted[viewer] += not budget_charge(viewer_key=viewer, cost=cost).exceeded
        results.put(("ok", granted))
    except Exception as error:  # reported to the test, which fails with it
        results.put(("error", repr(error)))
