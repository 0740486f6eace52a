"""The plans of one player's reads of the activity log, on DATABASE_URL (docs/scale-out.md shows them).

Runs the selectors behind the feed, the tournament history and the player's first and last activity for the busiest player,
captures the SQL they send that reads the log, and prints each statement's EXPLAIN (ANALYZE, BUFFERS): on the
partitioned log every one of them reads that player's partition only.

    DATABASE_URL=postgres://…/dc_bench_copy .venv/bin/python -m bench.plans
"""

import os
import re
from collections.abc import Callable
from typing import Any

LOG = "user_profile_useractivity"


def _reads() -> dict[str, Callable[[int], Any]]:
    from apps.user_profile.selectors.activity import activity_page, activity_times_of
    from apps.user_profile.selectors.history import tournament_history_page

    return {
        "feed (first 50, the owner)": lambda user_id: activity_page(
            owner_id=user_id, viewer_id=user_id, viewer_is_staff=False, first=50
        ),
        "tournament history (first 20)": lambda user_id: tournament_history_page(user_id=user_id, first=20),
        "first and last activity (profile analytics)": lambda user_id: activity_times_of(
            owner_ids=[user_id], excluded_event_types=[]
        ),
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.run import benchmark_player

    user_id, username, deep_cursor = benchmark_player()
    print(f"Player {username} (id {user_id}); log partitions: {_partition_count(connection)}\n")
    reads = _reads()
    reads["feed (50 after the 2,000th event)"] = lambda uid: _deep_feed(uid, deep_cursor)
    for name, read in reads.items():
        with CaptureQueriesContext(connection) as captured:
            read(user_id)
        for query in captured.captured_queries:
            sql = query["sql"]
            if not re.search(rf"\b{LOG}\b", sql):
                continue
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"== {name}\n{plan}\n")


def _deep_feed(user_id: int, after: str) -> Any:
    from apps.user_profile.selectors.activity import activity_page

    return activity_page(owner_id=user_id, viewer_id=user_id, viewer_is_staff=False, first=50, after=after)


def _partition_count(connection: Any) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [LOG])
        return int(cursor.fetchone()[0])


if __name__ == "__main__":
    main()
