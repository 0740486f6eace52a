"""Write benchmark: record_event from 1 and from N processes, each with its own database connection.

Every writer records coin events (an amount each) for the same small set of players, so writers contend
on the same stats rows; afterwards the log and the stats must show every event and every coin.
"""

import multiprocessing
import os
import random
import time
from dataclasses import dataclass
from typing import Any

from apps.user_profile.event_types import COUNTER_FOR_EVENT, ActivityEventType
from bench.stats import Latency

SOURCE_MODEL = "benchmarks.writeprobe"
PLAYERS = 200


EVENT_TYPE = ActivityEventType.COINS_EARNED.value
COUNTER = COUNTER_FOR_EVENT[EVENT_TYPE]
# The same work as record_event (idempotent insert, then the stats increment, one transaction) in two raw
# statements: the floor that shows how much of record_event's latency is the database and the commit.
RAW_ADMIT = "SELECT set_config('deltacrown.activity_writer', 'record_events', true)"


def _raw_statements() -> tuple[str, str]:
    from apps.user_profile.models import UserActivity, UserProfileStats

    insert = (
        f"INSERT INTO {UserActivity._meta.db_table} (user_id, event_type, timestamp, metadata, source_model, "
        f"source_id, recorded_at) VALUES (%s, '{EVENT_TYPE}', %s, %s, %s, %s, %s) "
        "ON CONFLICT (user_id, source_model, source_id, event_type) DO NOTHING RETURNING id"
    )
    stats = (
        f"UPDATE {UserProfileStats._meta.db_table} SET {COUNTER} = {COUNTER} + %s, "
        "first_activity_at = LEAST(COALESCE(first_activity_at, %s), %s), "
        "last_activity_at = GREATEST(COALESCE(last_activity_at, %s), %s) WHERE user_id = %s"
    )
    return insert, stats


@dataclass
class WriteResult:
    writers: int
    events: int
    latency: Latency
    events_per_second: float
    lost_events: int
    lost_coins: int
    raw: bool = False

    @property
    def correct(self) -> bool:
        return self.lost_events == 0 and self.lost_coins == 0


def _writer(
    index: int, user_ids: list[int], first_source_id: int, count: int, start_at: float, raw: bool
) -> dict[str, Any]:
    """Runs in a spawned process: its own Django and its own connection."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    import json

    from django.db import connection, transaction
    from django.utils import timezone

    from apps.user_profile.services.events import record_event

    connection.ensure_connection()
    raw_insert, raw_stats = _raw_statements()
    rng = random.Random(index)
    plan = [(rng.choice(user_ids), rng.randrange(1, 100)) for _ in range(count)]
    time.sleep(max(start_at - time.time(), 0))  # all writers start together
    samples: list[float] = []
    coins: dict[int, int] = {}
    inserted = 0
    started = time.time()
    for offset, (user_id, amount) in enumerate(plan):
        begin = time.perf_counter()
        now = timezone.now()
        metadata = {"amount": amount, "reason": "BENCHMARK"}
        if raw:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(RAW_ADMIT)  # the log's insert trigger admits the recording service's writers only
                cursor.execute(
                    raw_insert, [user_id, now, json.dumps(metadata), SOURCE_MODEL, first_source_id + offset, now]
                )
                row = cursor.fetchone()
                activity_id = row[0] if row else None
                if activity_id is not None:
                    cursor.execute(raw_stats, [amount, now, now, now, now, user_id])
        else:
            activity_id = record_event(
                user_id=user_id,
                event_type=EVENT_TYPE,
                timestamp=now,
                source_model=SOURCE_MODEL,
                source_id=first_source_id + offset,
                metadata=metadata,
            )
        samples.append(time.perf_counter() - begin)
        if activity_id is not None:
            inserted += 1
            coins[user_id] = coins.get(user_id, 0) + amount
    return {"samples": samples, "coins": coins, "inserted": inserted, "started": started, "ended": time.time()}


def _totals(user_ids: list[int]) -> tuple[dict[int, int], int]:
    from apps.user_profile.models import UserActivity, UserProfileStats

    earned = dict(UserProfileStats.objects.filter(user_id__in=user_ids).values_list("user_id", COUNTER))
    return earned, UserActivity.objects.filter(source_model=SOURCE_MODEL).count()


def run_writes(
    *, writers: int, events_per_writer: int, user_ids: list[int], database_url: str, raw: bool = False
) -> WriteResult:
    """Time record_event in `writers` processes at once; then check no event or coin went missing."""
    from django.db.models import Max

    from apps.user_profile.models import UserActivity

    players = user_ids[:PLAYERS]
    earned_before, events_before = _totals(players)
    last_source = UserActivity.objects.filter(source_model=SOURCE_MODEL).aggregate(top=Max("source_id"))["top"] or 0
    os.environ["DATABASE_URL"] = database_url
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 3 + writers  # time for every process to import Django and connect
    arguments = [
        (index, players, last_source + 1 + index * events_per_writer, events_per_writer, start_at, raw)
        for index in range(writers)
    ]
    with context.Pool(writers) as pool:
        outcomes = pool.starmap(_writer, arguments)

    samples = [s for outcome in outcomes for s in outcome["samples"]]
    inserted = sum(outcome["inserted"] for outcome in outcomes)
    elapsed = max(o["ended"] for o in outcomes) - min(o["started"] for o in outcomes)
    earned_after, events_after = _totals(players)
    coins_expected: dict[int, int] = {}
    for outcome in outcomes:
        for user_id, amount in outcome["coins"].items():
            coins_expected[user_id] = coins_expected.get(user_id, 0) + amount
    lost_coins = sum(
        abs(earned_after[user_id] - earned_before[user_id] - coins_expected.get(user_id, 0)) for user_id in players
    )
    return WriteResult(
        writers=writers,
        events=len(samples),
        latency=Latency.of(samples),
        events_per_second=len(samples) / elapsed,
        lost_events=(writers * events_per_writer) - inserted + abs(events_after - events_before - inserted),
        lost_coins=lost_coins,
        raw=raw,
    )
