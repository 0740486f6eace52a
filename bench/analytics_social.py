"""Benchmark of head-to-head and the grouped feed for the busiest player, runnable alone (read-only):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dc_bench .venv/bin/python -m bench.analytics_social

Each operation is a GraphQL request through the product's ASGI application in this process (anonymous, so the
privacy policy applies as for any visitor), with its SQL statements counted; next to it the bare floor: the
operation's main statement run alone through psycopg (no Django, no GraphQL), where there is one. Head-to-head
pairs the busiest player with the player with the most matches after them (the worst case: the walk follows
the smaller of two big histories) and with their most frequent opponent. Nothing is written to the database;
the budget key prefix is this run's own.
"""

import argparse
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("API_BUDGET_KEY_PREFIX", f"bench-social-{uuid.uuid4().hex}")
os.environ.setdefault("API_BUDGET_ANONYMOUS_POINTS", "100000000")
os.environ.setdefault("DEBUG", "0")  # as served: no query log on the cursor
os.environ.setdefault("SECRET_KEY", "benchmark-only-" + os.urandom(16).hex())  # as bench/run.py does

import django

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from apps.user_profile.models import UserProfileStats  # noqa: E402
from apps.user_profile.selectors import groups, head_to_head  # noqa: E402
from bench.run import benchmark_player  # noqa: E402
from config.asgi_client import AsgiClient  # noqa: E402
from schema.node import to_global_id  # noqa: E402

H2H = """query($a: ID!, $b: ID!) { headToHead(a: $a, b: $b) { played won lost drawn
  meetings(first: 20) { edges { cursor node { outcome completedAt match { round } tournament { name } } }
  pageInfo { hasNextPage endCursor } } } }"""
GROUPS = """query($name: String!, $after: String) { user(username: $name) {
  activityGroups(first: 20, after: $after, timeZone: "Asia/Kathmandu") {
    edges { cursor node { key eventType count firstAt lastAt day tournament { name } members(first: 3) { id } } }
    pageInfo { hasNextPage endCursor } } } }"""


def _timed(run: Callable[[], Any], repeat: int) -> tuple[float, float]:
    run()  # warm: plans, caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def _statements(run: Callable[[], Any]) -> int:
    executed: list[str] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run()
    return len(executed)


def _graphql(api: AsgiClient, query: str, variables: dict[str, Any]) -> Callable[[], Any]:
    def run() -> Any:
        body = api.post("/graphql/", {"query": query, "variables": variables}).json()
        assert "errors" not in body, body["errors"]
        return body

    return run


def _bare(sql: str, params: dict[str, Any]) -> Callable[[], Any]:
    database = settings.DATABASES["default"]
    bare = psycopg.connect(
        dbname=database["NAME"], user=database["USER"], host=database["HOST"], port=database["PORT"] or 5432
    )
    bare.autocommit = True

    def run() -> Any:
        with bare.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    busiest_id, busiest_name, _ = benchmark_player()
    runner_up = UserProfileStats.objects.exclude(user_id=busiest_id).order_by("-matches_played", "user_id").first()
    assert runner_up is not None
    with connection.cursor() as cursor:
        # The busiest player's most frequent opponent (matches on opposite sides), for the second pair.
        cursor.execute(
            f"SELECT o.user_id FROM {head_to_head._TABLE} d JOIN {head_to_head._TABLE} o "
            "ON o.source_model = d.source_model AND o.source_id = d.source_id AND o.user_id <> d.user_id "
            "AND o.event_type = ANY(%(outcomes)s) WHERE d.user_id = %(a)s AND d.event_type = ANY(%(outcomes)s) "
            "AND NOT (d.metadata ? 'team_id' AND o.metadata -> 'team_id' = d.metadata -> 'team_id') "
            "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1",
            {"a": busiest_id, "outcomes": list(head_to_head.OUTCOME_EVENT_TYPES)},
        )
        rival_id = cursor.fetchone()[0]
    api = AsgiClient()
    # The framework's own floor in this process: a one-lookup GraphQL request through the same client.
    trivial = _graphql(api, "query($name: String!) { user(username: $name) { username } }", {"name": busiest_name})
    rows: list[dict[str, Any]] = [
        {
            "operation": "user(username) { username } (request floor)",
            "graphql_ms": _timed(trivial, args.repeat),
            "statements": _statements(trivial),
            "floor_ms": _timed(
                _bare("SELECT username FROM auth_user WHERE username = %(n)s", {"n": busiest_name}), args.repeat
            ),
        }
    ]
    for label, other_id in (("runner-up by matches", runner_up.user_id), ("most frequent opponent", rival_id)):
        variables = {"a": to_global_id("User", busiest_id), "b": to_global_id("User", other_id)}
        driver = head_to_head.head_to_head_driver(player_a_id=busiest_id, player_b_id=other_id)
        params = head_to_head._params(player_a_id=busiest_id, player_b_id=other_id, driver_id=driver)
        operation = _graphql(api, H2H, variables)
        record = operation()["data"]["headToHead"]
        rows.append(
            {
                "operation": f"headToHead vs {label} (played {record['played']})",
                "graphql_ms": _timed(operation, args.repeat),
                "statements": _statements(operation),
                # The floor of its one heavy statement: every meeting of the pair (record and page derive from it).
                "floor_ms": _timed(_bare(head_to_head.MEETINGS_SQL, params), args.repeat),
            }
        )
    hidden = sorted(groups.UNGROUPED_EVENT_TYPES | {"coins_earned", "coins_spent"})  # as an anonymous visitor
    first_page = _graphql(api, GROUPS, {"name": busiest_name})
    end = first_page()["data"]["user"]["activityGroups"]["pageInfo"]["endCursor"]
    for label, after in (("first page", None), ("second page", end)):
        cursor_at = groups.GroupCursor.decode(after) if after else None
        params = {
            "owner": busiest_id,
            "hidden": hidden,
            "after_at": cursor_at.timestamp if cursor_at else None,
            "after_id": cursor_at.id if cursor_at else None,
            "tz": "Asia/Kathmandu",
            "runs": 20,
        }
        operation = _graphql(api, GROUPS, {"name": busiest_name, "after": after})
        rows.append(
            {
                "operation": f"activityGroups(first: 20) {label}",
                "graphql_ms": _timed(operation, args.repeat),
                "statements": _statements(operation),
                "floor_ms": _timed(_bare(groups.GROUPS_SQL, params), args.repeat),
            }
        )
    print(f"busiest player {busiest_name} (id {busiest_id}), {args.repeat} runs each; p50 / p95 in ms")
    print(f"{'operation':58} {'GraphQL p50':>11} {'p95':>7} {'SQL':>4} {'floor p50':>9} {'p95':>7} {'p95 x':>6}")
    for row in rows:
        (g50, g95), (f50, f95) = row["graphql_ms"], row["floor_ms"]
        print(
            f"{row['operation']:58} {g50:11.1f} {g95:7.1f} {row['statements']:4d} {f50:9.1f} {f95:7.1f} "
            f"{g95 / f95:6.2f}"
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
