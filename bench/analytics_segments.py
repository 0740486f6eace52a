"""Player analytics at the busiest player: each operation through the API against its bare SQL floor.

    .venv/bin/python -m bench.analytics_segments [--database-url postgres://…/dc_bench] [--runs 30]

Read-only: it reads a generated platform (dc_bench by default, see bench/run.py) and writes nothing. For each
operation it runs the GraphQL document through the whole ASGI application in process (front door, cost,
budget, privacy, loaders: everything but the socket) as an anonymous visitor, and counts its SQL; the floor
is the analytics statement that request ran (captured from it), replayed on a bare psycopg connection with
no Django. The target: p95 within 3x of the floor's p95, and the same number of statements per request
whatever the board's size. Seasons are not part of a generated platform, so this bench narrows by game and
by a since/until window (a season is the same condition on the same columns).
"""

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dc_bench"


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DATABASE_POOL"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("GRAPHQL_MAX_QUERY_COST", "1000")
    # Hundreds of runs from one address: the per-viewer budget would refuse them; its check still runs.
    os.environ.setdefault("API_BUDGET_ANONYMOUS_POINTS", str(10**9))
    import django

    django.setup()


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _operations(username: str, game: str, since: str, until: str) -> list[tuple[str, str, dict[str, Any]]]:
    g, s, t = json.dumps(game), json.dumps(since), json.dumps(until)
    user = "query($u: String!) { user(username: $u) { "
    board = "query($n: Int!) { leaderboard(metric: MATCHES_WON, game: " + g + ", first: $n) { edges { "
    under = (
        f"node {{ rank(metric: MATCHES_WON, game: {g}) {{ rank }} segmentStats(game: {g}) {{ matchesWon }} }} }} }} }}"
    )
    one = {"u": username}
    return [
        ("segmentStats(game)", user + f"segmentStats(game: {g}) {{ matchesPlayed matchesWon winRate }} }} }}", one),
        (
            "segmentStats(since, until: 90 days)",
            user + f"segmentStats(since: {s}, until: {t}) {{ matchesWon }} }} }}",
            one,
        ),
        ("statsBreakdown(by: GAME)", user + "statsBreakdown(by: GAME) { key stats { matchesWon } } } }", one),
        (
            "statsBreakdown(by: MONTH, Kathmandu)",
            user + 'statsBreakdown(by: MONTH, timeZone: "Asia/Kathmandu", first: 100) { key stats { matchesWon } } } }',
            one,
        ),
        ("rank(MATCHES_WON)", user + "rank(metric: MATCHES_WON) { rank percentile } } }", one),
        ("rank(WIN_RATE)", user + "rank(metric: WIN_RATE) { rank percentile } } }", one),
        ("rank(MATCHES_WON, game)", user + f"rank(metric: MATCHES_WON, game: {g}) {{ rank percentile }} }} }}", one),
        ("leaderboard(game) 10 rows", board + "rank node { username } } } }", {"n": 10}),
        ("leaderboard(game) 50 rows", board + "rank node { username } } } }", {"n": 50}),
        ("leaderboard(game) 10 rows + rank + segmentStats", board + under, {"n": 10}),
        ("leaderboard(game) 50 rows + rank + segmentStats", board + under, {"n": 50}),
    ]


def _replay(floor: psycopg.Connection[Any], statements: list[tuple[str, Any]], runs: int) -> list[float]:
    """Milliseconds to run `statements` one after the other on the bare connection, `runs` times (after 3)."""
    samples = []
    for run in range(runs + 3):
        started = time.perf_counter()
        for sql, params in statements:
            floor.execute(sql, params).fetchall()
        if run >= 3:
            samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--only", default=None, help="Run the operations whose name contains this text.")
    parser.add_argument("--json", default=None, help="Where to write the results (JSON).")
    args = parser.parse_args()
    _setup(args.database_url)

    from django.db import connection
    from django.db.models import Count

    from apps.tournaments.models import Tournament
    from apps.user_profile.models import UserActivity
    from bench.run import benchmark_player
    from config.asgi_client import AsgiClient

    user_id, username, _ = benchmark_player()
    events = UserActivity.objects.filter(user_id=user_id)
    tournament_ids = events.exclude(metadata__tournament_id=None).values_list("metadata__tournament_id", flat=True)
    game = (
        Tournament.objects.filter(pk__in=list(set(tournament_ids)))
        .values("game")
        .annotate(n=Count("id"))
        .order_by("-n", "game")[0]["game"]
    )
    last = events.order_by("-timestamp").values_list("timestamp", flat=True)[0]
    since, until = (last - timedelta(days=90)).isoformat(), last.isoformat()
    print(f"busiest player {username} (id {user_id}): {events.count()} events; game {game!r}", file=sys.stderr)

    client = AsgiClient()
    floor = psycopg.connect(args.database_url, autocommit=True)
    rows = []
    statements: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    # Installed once: the in-process application runs its SQL on this thread's connection.
    wrapper = connection.execute_wrapper(record)
    wrapper.__enter__()
    for name, query, variables in _operations(username, game, since, until):
        if args.only and args.only not in name:
            continue
        samples, counts = [], set()
        for run in range(args.runs + 3):
            statements.clear()
            started = time.perf_counter()
            response = client.post("/graphql/", {"query": query, "variables": variables})
            elapsed = (time.perf_counter() - started) * 1000
            body = response.json()
            if response.status_code != 200 or body.get("errors"):
                raise SystemExit(f"{name}: {response.status_code} {body.get('errors')}")
            if run >= 3:  # warm-up runs are not counted
                samples.append(elapsed)
                counts.add(len(statements))
        # The floor: the request's analytics statement (the one reading the activity log or ranking a board).
        analytic = [s for s in statements if "FILTER (WHERE" in s[0] or "OVER (ORDER BY" in s[0]]
        floor_samples: list[float] = []
        if len(analytic) == 1:
            floor_samples = _replay(floor, analytic, args.runs)
        # Every statement of the request in a row on the bare connection: the SQL floor of the whole request.
        all_sql_samples = _replay(floor, list(statements), args.runs)
        row: dict[str, Any] = {
            "operation": name,
            "sql_per_request": sorted(counts),
            "p50_ms": round(statistics.median(samples), 1),
            "p95_ms": round(_p95(samples), 1),
            "floor_p50_ms": round(statistics.median(floor_samples), 1) if floor_samples else None,
            "floor_p95_ms": round(_p95(floor_samples), 1) if floor_samples else None,
        }
        row["all_sql_p50_ms"] = round(statistics.median(all_sql_samples), 1)
        row["all_sql_p95_ms"] = round(_p95(all_sql_samples), 1)
        row["p95_over_all_sql_p95"] = round(row["p95_ms"] / row["all_sql_p95_ms"], 2)
        row["p95_over_floor"] = round(row["p95_ms"] / row["floor_p95_ms"], 2) if floor_samples else None
        rows.append(row)
        print(
            f"{name:50s} SQL {row['sql_per_request']!s:6s} p50 {row['p50_ms']:8.1f}  p95 {row['p95_ms']:8.1f}  "
            f"floor p50 {row['floor_p50_ms'] or 0:8.1f}  p95 {row['floor_p95_ms'] or 0:8.1f}  "
            f"x{row['p95_over_floor'] or 0:.2f}  all SQL p50 {row['all_sql_p50_ms']:8.1f}  p95 {row['all_sql_p95_ms']:8.1f}  "
            f"x{row['p95_over_all_sql_p95']:.2f}",
            flush=True,
        )
    wrapper.__exit__(None, None, None)
    floor.close()
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {"at": datetime.now(UTC).isoformat(), "player": username, "game": game, "rows": rows}, out, indent=2
            )


if __name__ == "__main__":
    main()
