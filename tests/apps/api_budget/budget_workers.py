"""Entry point of the separate processes of the budget concurrency test (started with the 'spawn' method)."""

import os
from typing import Any


def charge_in_process(
    key_prefix: str, limit: int, barrier: Any, results: Any, viewer: str, charges: int, cost: int
) -> None:
    """Charge `charges` times `cost` points to `viewer`, starting together with the others; report the grants."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django
    from django.conf import settings

    django.setup()
    settings.API_BUDGET_KEY_PREFIX = key_prefix
    settings.API_BUDGET_POINTS = limit
    from apps.api_budget.services import budget_charge, budget_peek

    try:
        budget_peek(viewer_key=viewer)  # connect before the barrier, so the charges really overlap
        barrier.wait(timeout=60)
        granted = sum(not budget_charge(viewer_key=viewer, cost=cost).exceeded for _ in range(charges))
        results.put(("ok", granted))
    except Exception as error:  # reported to the test, which fails with it
        results.put(("error", repr(error)))
