"""Benchmark of the activity calendar, streaks and form at the busiest player, against bare floors.

Run alone (read-only on the benchmark database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dc_bench .venv/bin/python -m bench.analytics_calendar

For each operation it times, in this process and one after the other:
- the product: the GraphQL operation through the API's own pipeline (validation, variables, execution with
  the request's loaders, the privacy policy, the ORM), as an anonymous visitor;
- the bare floor: the same SQL statements with the same parameters (the player by name, then the field's one
  statement), straight through psycopg (no Django, no GraphQL), the rows dumped as JSON: what the operation
  cannot go below;
and, for the calendar, a lower floor still: counting the year's events through the index (no grouping).
Product and floor run by turns (the machine may be shared). It reports p50 / p95 in milliseconds, the product's p95 over the floor's (target: at most 3), and the SQL
statements per request (constant). Results go to bench/results/analytics-calendar-<time>.json.
"""

import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("BENCH_RUNS", "100"))
WARMUP = 5
TARGET_X_FLOOR = 3.0

CALENDAR_QUERY = """query Calendar($username: String!, $from: Date!, $to: Date!, $tz: String!) {
  user(username: $username) { activityCalendar(from: $from, to: $to, timeZone: $tz) {
    days { date total tournaments matches wins achievements coinsEarned coinsSpent }
    totals { total activeDays tournaments matches wins achievements } } } }"""
STREAKS_QUERY = """query Streaks($username: String!, $tz: String!) { user(username: $username) {
  streaks(timeZone: $tz) { currentWinStreak longestWinStreak currentDailyStreak longestDailyStreak lastActiveDay } } }"""
# The form's results (the floor's one statement); their matches cost one batched lookup more.
FORM_QUERY = (
    """query Form($username: String!) { user(username: $username) { form(last: 20) { result completedAt } } }"""
)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(samples) * 1000, 3),
        "p95_ms": round(percentile(samples, 0.95) * 1000, 3),
    }


def time_sync(work: Callable[[], Any]) -> list[float]:
    for _ in range(WARMUP):
        work()
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return samples


async def time_interleaved(
    product: Callable[[], Awaitable[Any]], floor: Callable[[], Any]
) -> tuple[list[float], list[float]]:
    """Product and floor run by turns: on a shared machine both meet the same load."""
    for _ in range(WARMUP):
        await product()
        floor()
    product_samples, floor_samples = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        await product()
        product_samples.append(time.perf_counter() - started)
        started = time.perf_counter()
        floor()
        floor_samples.append(time.perf_counter() - started)
    return product_samples, floor_samples


def main() -> int:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/dc_bench")
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["DATABASE_POOL"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    return asyncio.run(_bench(url))


async def _bench(url: str) -> int:
    from django.db import connection

    from apps.privacy import policy
    from apps.privacy.policy import ANONYMOUS, DEFAULT_SETTINGS
    from apps.user_profile.event_types import MATCH_OUTCOMES
    from apps.user_profile.selectors import calendar, streaks
    from apps.user_profile.selectors import rows as rows_selectors
    from bench.run import benchmark_player
    from schema.context import Context
    from schema.db import run_sync
    from schema.execution import operation_execute, operation_of

    def busiest() -> tuple[int, str, datetime]:
        user_id, username, _ = benchmark_player()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT max(timestamp), count(*) FROM user_profile_useractivity WHERE user_id = %s", [user_id]
            )
            last, events = cursor.fetchone()
        print(f"busiest player {username} (id {user_id}): {events:,} events, the latest {last:%Y-%m-%d}", flush=True)
        return user_id, username, last

    user_id, username, last = await run_sync(busiest)
    hidden = sorted(policy.hidden_event_types(viewer=ANONYMOUS, owner_id=user_id, settings=DEFAULT_SETTINGS))
    executed: list[str] = []

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    await run_sync(lambda: connection.execute_wrappers.append(count))

    async def product(query: str, variables: dict[str, Any]) -> Callable[[], Awaitable[Any]]:
        async def run() -> Any:
            operation = operation_of(query=query, operation_name=None, variables=variables)
            result = await operation_execute(operation, context=Context(user=None))
            assert not result.errors, result.errors
            return result.data

        return run

    floor_connection = psycopg.connect(url, autocommit=True)

    player_sql = rows_selectors._player_sql()

    def floor(sql: str, params: dict[str, Any]) -> Callable[[], Any]:
        # The statements the product runs: the player by name (the same SQL as `user(username:)`), then the
        # field's one statement; and a JSON document of its rows (what a response has to carry at the least).
        def run() -> str:
            floor_connection.execute(player_sql.replace("%s", "%(username)s"), {"username": username}).fetchone()
            return json.dumps(floor_connection.execute(sql, params).fetchall(), default=str)

        return run

    rows: list[dict[str, Any]] = []

    async def measure(name: str, query: str, variables: dict[str, Any], sql: str, params: dict[str, Any]) -> None:
        run = await product(query, variables)
        executed.clear()
        await run()
        statements = len(executed)
        product_samples, floor_samples = await time_interleaved(run, floor(sql, params))
        mine, bare = summary(product_samples), summary(floor_samples)
        ratio = round(mine["p95_ms"] / bare["p95_ms"], 2)
        rows.append(
            {
                "operation": name,
                "product": mine,
                "floor": bare,
                "statements_per_request": statements,
                "p95_x_floor": ratio,
            }
        )
        print(
            f"{name:<34} product p50 {mine['p50_ms']:8.2f} p95 {mine['p95_ms']:8.2f} ms | "
            f"floor p50 {bare['p50_ms']:8.2f} p95 {bare['p95_ms']:8.2f} ms | x{ratio:.2f} | {statements} statements",
            flush=True,
        )

    end = last.date()
    start = end - timedelta(days=364)
    for zone in ("UTC", "Asia/Kathmandu", "America/St_Johns"):
        params = {
            "owners": [user_id],
            "tz": zone,
            "lower": datetime.combine(start - timedelta(days=1), clock(0), tzinfo=UTC),
            "upper": datetime.combine(end + timedelta(days=2), clock(0), tzinfo=UTC),
            "start": start,
            "end": end,
            "hidden": hidden,
        }
        variables = {"username": username, "from": start.isoformat(), "to": end.isoformat(), "tz": zone}
        await measure(f"calendar 365 days {zone}", CALENDAR_QUERY, variables, calendar._calendar_sql(), params)

    # The lower floor: reading the year's events through the index, without grouping them by day.
    lower = datetime.combine(start, clock(0), tzinfo=UTC)
    upper = datetime.combine(end + timedelta(days=1), clock(0), tzinfo=UTC)
    count_sql = (
        "SELECT count(*) FROM user_profile_useractivity WHERE user_id = %(u)s AND timestamp >= %(lower)s "
        "AND timestamp < %(upper)s AND event_type <> ALL(%(hidden)s)"
    )
    count_params = {"u": user_id, "lower": lower, "upper": upper, "hidden": hidden}
    count_samples = time_sync(lambda: floor_connection.execute(count_sql, count_params).fetchall())
    found = floor_connection.execute(count_sql, {"u": user_id, "lower": lower, "upper": upper, "hidden": hidden})
    year_events = int(found.fetchone()[0])  # type: ignore[index]
    counted = summary(count_samples)
    rows.append({"operation": "floor: count the year's events", "floor": counted, "events": year_events})
    print(
        f"{'floor: count the year events':<34} p50 {counted['p50_ms']:8.2f} p95 {counted['p95_ms']:8.2f} ms "
        f"({year_events:,} visible events in the range)",
        flush=True,
    )

    streak_params = {
        "owners": [user_id],
        "outcomes": list(MATCH_OUTCOMES),
        "hidden": hidden,
        "tz": "Asia/Kathmandu",
    }
    await measure(
        "streaks Asia/Kathmandu",
        STREAKS_QUERY,
        {"username": username, "tz": "Asia/Kathmandu"},
        streaks._streaks_sql(),
        streak_params,
    )
    form_params = {"owners": [user_id], "last": 20}
    await measure("form last 20", FORM_QUERY, {"username": username}, streaks._form_sql(), form_params)

    floor_connection.close()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"analytics-calendar-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    report = {
        "player": {"id": user_id, "username": username},
        "runs": RUNS,
        "rows": rows,
        "at": datetime.now(UTC).isoformat(),
    }
    path.write_text(json.dumps(report, indent=2))
    print(f"written {path.relative_to(ROOT)}", flush=True)
    over = [row["operation"] for row in rows if row.get("p95_x_floor", 0) > TARGET_X_FLOOR]
    if over:
        print(f"over {TARGET_X_FLOOR}x the floor at p95: {', '.join(over)}", flush=True)
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
