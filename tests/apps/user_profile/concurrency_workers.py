"""Entry points for the separate processes of the concurrency tests (started with the 'spawn' method).

Each process sets Django up on the test database itself and records through the real service, so the
only things shared with the test are the database and the start barrier.
"""

import os
from datetime import datetime
from typing import Any, cast


def _setup_django(database: dict[str, Any]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
    import django
    from django.conf import settings

    default = cast(dict[str, Any], settings.DATABASES["default"])
    default.update(database)
    django.setup()


def record_events_in_process(
    database: dict[str, Any], barrier: Any, results: Any, user_id: int, source_ids: list[int], timestamp: datetime
) -> None:
    """Record one match_played event per source id for the player, starting together with the others."""
    _setup_django(database)
    from django.db import connection

    from apps.user_profile.services.events import record_event

    try:
        connection.ensure_connection()  # connect before the barrier, so the inserts really overlap
        barrier.wait(timeout=60)
        inserted = [
            record_event(
                user_id=user_id,
                event_type="match_played",
                timestamp=timestamp,
                source_model="tournaments.match",
                source_id=source_id,
            )
            for source_id in source_ids
        ]
        results.put(("ok", [activity_id for activity_id in inserted if activity_id is not None]))
    except Exception as error:  # reported to the test, which fails with it
        results.put(("error", repr(error)))
    finally:
        connection.close()


def record_batches_in_process(
    database: dict[str, Any],
    barrier: Any,
    results: Any,
    user_id: int,
    source_ids: list[int],
    timestamp: datetime,
    batch_size: int,
) -> None:
    """Record coins_earned (amount = source id) for the player with record_events, `batch_size` per call.

    Every error is reported, not only the first: a batch that fails loses its events, and the test counts them.
    """
    _setup_django(database)
    from django.db import connection

    from apps.user_profile.services.events import EventSpec, record_events

    inserted: list[int] = []
    errors: list[str] = []
    try:
        connection.ensure_connection()
        barrier.wait(timeout=60)
        for start in range(0, len(source_ids), batch_size):
            batch = [
                EventSpec(
                    user_id=user_id,
                    event_type="coins_earned",
                    timestamp=timestamp,
                    source_model="economy.deltacrowntransaction",
                    source_id=source_id,
                    metadata={"amount": source_id},
                )
                for source_id in source_ids[start : start + batch_size]
            ]
            try:
                inserted += record_events(events=batch)
            except Exception as error:  # counted by the test
                errors.append(repr(error))
        results.put(("ok", (inserted, errors)))
    except Exception as error:
        results.put(("error", repr(error)))
    finally:
        connection.close()
