"""Entry point of the separate processes of the subscription limit test (started with the 'spawn' method)."""

import asyncio
import os
from typing import Any


def take_slots_in_process(
    key_prefix: str, lease_seconds: float, barrier: Any, results: Any, viewer: str, maximum: int, tries: int
) -> None:
    """Like a server process: try to open `tries` subscriptions of `viewer` (at most `maximum` per viewer),
    starting together with the other processes; report how many were granted, then hold them (the leases
    renewed) until the test kills the process, for two minutes at most. Nothing is ever given back."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django
    from django.conf import settings

    django.setup()
    settings.REALTIME_SUBSCRIPTIONS_KEY_PREFIX = key_prefix
    settings.REALTIME_SUBSCRIPTION_LEASE_SECONDS = lease_seconds
    from schema.realtime.limits import RedisSlots, viewer_slots

    async def take_and_hold() -> None:
        store = viewer_slots()
        assert isinstance(store, RedisSlots), store
        await store.client().ping()  # connected before the barrier, so the takes really overlap
        await asyncio.to_thread(barrier.wait, 60)
        slots = [await store.take(viewer, maximum) for _ in range(tries)]
        results.put(("ok", sum(slot is not None for slot in slots)))
        await asyncio.sleep(120)

    try:
        asyncio.run(take_and_hold())
    except Exception as error:  # reported to the test, which fails with it
        results.put(("error", repr(error)))
