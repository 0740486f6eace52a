"""`make bench`: generate a platform, then measure jobs, reads over HTTP and writes against the targets.

Usage: python -m bench.run [--users 10000] [--events 1000000] [--reuse] [--workers 1,2] [--duration 5]

Reads run against two uvicorn servers per worker count (1, then one per core): the product and the bare ASGI
floor (bench/bare.py), loaded with wrk at 1, 16 and 64 clients. Prints one table (with the machine, the
PostgreSQL version and the server command lines), writes it as JSON under bench/results/, and exits with
status 1 when a correctness check fails (GraphQL and a floor disagree, a request failed under load, an event
or coin was lost, the backfill missed events, stats drifted). Missed speed targets are reported, not failed.
"""

import argparse
import json
import multiprocessing
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from bench.load import DEFAULT_PRODUCT_APP, DEFAULT_UVICORN_OPTIONS, wrk_available

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dc_bench"
TARGETS = {
    "backfill_events_per_second": 50_000,
    "reconcile_seconds": 5.0,
    "record_event_p95_ms": 5.0,
    "record_event_4_writers_events_per_second": 1_000,
    "max_queries_per_request": 5,
    # Reads over HTTP, against the bare ASGI floor (bench/bare.py) serving the same SQL and JSON.
    "read_latency_x_bare": 3.0,  # product p50 and p95 at one client <= this x the bare floor's
    "read_throughput_of_bare": 1 / 3,  # product req/s at 16 clients >= this x the bare floor's
    "read_scaling_workers": 1.7,  # req/s at 16 clients, workers = cores / 1 worker, at least this
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--duration", type=float, default=5.0, help="Seconds of each wrk run (3 per target and worker count)."
    )
    parser.add_argument("--warmup-seconds", type=float, default=1.0, help="wrk warm-up of each target (0: none).")
    parser.add_argument(
        "--workers",
        default=None,
        help="Comma-separated uvicorn worker counts for the reads (default: 1 and one per core).",
    )
    parser.add_argument(
        "--one-client",
        choices=("wrk", "httpx"),
        default="wrk",
        help="One-client latency: wrk -t1 -c1 (default) or --requests sequential httpx requests.",
    )
    parser.add_argument("--requests", type=int, default=300, help="Requests of the httpx one-client loop.")
    parser.add_argument(
        "--pool-max",
        type=int,
        default=int(os.environ.get("DATABASE_POOL_MAX", "20")),
        help="Connection pool size of each server worker, product and bare floor alike (DATABASE_POOL_MAX).",
    )
    parser.add_argument(
        "--product-app", default=DEFAULT_PRODUCT_APP, help="The product's ASGI app, as uvicorn takes it."
    )
    parser.add_argument(
        "--uvicorn-options",
        default=DEFAULT_UVICORN_OPTIONS,
        help="uvicorn options of both servers (besides --host, --port and --workers).",
    )
    parser.add_argument("--write-events", type=int, default=1_000, help="record_event calls per writer.")
    parser.add_argument("--reuse", action="store_true", help="Keep the generated database (skips the jobs).")
    parser.add_argument(
        "--backfill-workers",
        type=int,
        default=os.cpu_count() or 1,
        help="Backfill processes, one shard each (--shard K/N), as operators run it (default: one per core).",
    )
    parser.add_argument("--json", type=Path, default=None, help="Where to write the results (JSON).")
    parser.add_argument(
        "--ten-million",
        action="store_true",
        help=f"The scale-out run: {TEN_MILLION_USERS:,} players / {TEN_MILLION_EVENTS:,} events in dc_bench_10m "
        "(unless --users, --events or --database-url say otherwise).",
    )
    parser.add_argument(
        "--replica-urls",
        default="",
        help="Streaming replicas the product server reads from (its DATABASE_REPLICA_URLS; docs/scale-out.md).",
    )
    args = parser.parse_args()
    if args.ten_million:
        args.users = TEN_MILLION_USERS if args.users == parser.get_default("users") else args.users
        args.events = TEN_MILLION_EVENTS if args.events == parser.get_default("events") else args.events
        if args.database_url == parser.get_default("database_url"):
            args.database_url = urlsplit(args.database_url)._replace(path="/dc_bench_10m").geturl()
    return args


# The scale-out run (--ten-million): ten times the players and the events of the default run.
TEN_MILLION_USERS = 100_000
TEN_MILLION_EVENTS = 10_000_000


def recreate_database(url: str) -> None:
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(url, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DATABASE_POOL"] = "0"  # this process runs jobs and counts queries; the server pools
    os.environ["BENCH"] = "1"
    # Shared with the server process, which must accept the sessions this process signs.
    os.environ["SECRET_KEY"] = "benchmark-only-" + os.urandom(16).hex()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def log(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def backfill_shard(k: int, n: int) -> int:
    """One worker's share of the backfill (players with id % n == k - 1); returns the events it created."""
    from django.db import connection

    from apps.user_profile.services.backfill import activity_backfill

    report = activity_backfill(shard=(k, n) if n > 1 else None)
    connection.close()
    return report.events_created


def run_jobs(args: argparse.Namespace, failures: list[str]) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connections

    from apps.benchmarks.services.generate import platform_generate
    from apps.user_profile.services.reconcile import stats_reconcile
    from bench.copy_floor import copy_floor

    log(f"creating {args.database_url.rsplit('/', 1)[-1]} and migrating")
    recreate_database(args.database_url)
    call_command("migrate", verbosity=0)
    log(f"generating {args.users:,} players / ~{args.events:,} events (seed {args.seed})")
    generated = platform_generate(users=args.users, events=args.events, seed=args.seed, build_events=False, log=log)

    workers = args.backfill_workers
    log(f"backfill of the whole history, {workers} shard(s) in parallel processes")
    connections.close_all()  # each worker process opens its own
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        created = sum(pool.starmap(backfill_shard, [(k, workers) for k in range(1, workers + 1)]))
    backfill_seconds = time.perf_counter() - started
    if created != generated.expected_event_total:
        failures.append(f"backfill created {created:,} events, the rules derive {generated.expected_event_total:,}")

    log("reconcile of all players")
    started = time.perf_counter()
    reconcile = stats_reconcile()
    reconcile_seconds = time.perf_counter() - started
    if reconcile.users_with_drift:
        failures.append(f"reconcile after the backfill found {reconcile.users_with_drift} players with drift")
    log(f"the backfill's floor: the same events written by COPY, {workers} process(es)")
    floor = copy_floor(database_url=args.database_url, workers=workers)
    if floor["rows"] != created:
        failures.append(f"the COPY floor wrote {floor['rows']:,} events, the backfill {created:,}")
    return {
        "copy_floor": floor,
        "generate_seconds": generated.seconds,
        "events": created,
        "backfill_workers": workers,
        "backfill_seconds": backfill_seconds,
        "backfill_events_per_second": created / backfill_seconds,
        "reconcile_seconds": reconcile_seconds,
        "reconcile_players": reconcile.users_checked,
    }


def benchmark_player() -> tuple[int, str, str]:
    """The busiest player (the worst case), and the cursor of the 2,000th event of their public feed."""
    from django.contrib.auth.models import User
    from django.db.models import Count

    from apps.user_profile.event_types import COIN_EVENT_TYPES
    from apps.user_profile.models import UserActivity
    from apps.user_profile.selectors.cursors import ActivityCursor

    public = UserActivity.objects.exclude(event_type__in=COIN_EVENT_TYPES)
    busiest = public.values("user_id").annotate(n=Count("id")).order_by("-n", "user_id").first()
    if busiest is None or busiest["n"] < 2_050:
        raise SystemExit("The busiest player has fewer than 2,050 public events: generate a bigger platform.")
    user = User.objects.get(pk=busiest["user_id"])
    event = public.filter(user_id=user.pk).order_by("-timestamp", "-id")[1999]
    return user.pk, user.username, ActivityCursor(timestamp=event.timestamp, id=event.pk).encode()


def session_for(user_id: int) -> str:
    """A signed-in session of the player (what the SPA sends as its cookie)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.db import SessionStore

    user = User.objects.get(pk=user_id)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return session.session_key


def postgres_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"


def max_connections() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        return int(cursor.fetchone()[0])


def run_realtime_bench(failures: list[str]) -> dict[str, Any] | None:
    """bench/realtime.py in a process of its own (its own Django setup and database)."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        done = subprocess.run([sys.executable, "-m", "bench.realtime", "--json", out.name], cwd=ROOT, check=False)
        if done.returncode != 0:
            failures.append(f"bench/realtime.py failed (exit {done.returncode})")
            return None
        result: dict[str, Any] = json.loads(Path(out.name).read_text())
        return result


# Player analytics at the busiest player, each module against its own floors on the generated platform.
ANALYTICS_BENCHES = ("analytics_segments", "analytics_calendar", "analytics_social")


def run_analytics_benches(database_url: str, failures: list[str]) -> dict[str, Any]:
    """Each analytics module in a process of its own, reading the generated platform; each prints its table
    (analytics_calendar also writes its own file under bench/results/)."""
    import subprocess

    env = {**os.environ, "DATABASE_URL": database_url, "BENCH_DATABASE_URL": database_url}
    results: dict[str, Any] = {}
    for module in ANALYTICS_BENCHES:
        log(f"analytics (bench/{module}.py)")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"bench.{module}"], cwd=ROOT, env=env, check=False)
        if done.returncode != 0:
            failures.append(f"bench/{module}.py failed (exit {done.returncode})")
        results[module] = {"exit": done.returncode, "seconds": round(time.perf_counter() - started, 1)}
    return results


def main() -> int:
    args = parse_args()
    if not wrk_available():
        raise SystemExit("The read benchmark drives its servers with wrk: apt-get install wrk (Debian/Ubuntu).")
    launch_load = round(os.getloadavg()[0], 2)  # before this run's own jobs load the machine
    os.environ["DATABASE_POOL_MAX"] = str(args.pool_max)  # both servers' workers read it
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    setup_django(args.database_url)

    from django.apps import apps as django_apps
    from django.conf import settings

    from apps.user_profile.models import UserActivity, UserProfileStats
    from apps.user_profile.services.reconcile import stats_reconcile
    from bench import floor_sql
    from bench.reads import (
        Auth,
        LoadPlan,
        bare_env,
        count_queries,
        page_operations,
        product_env,
        read_operations,
        run_over_cost,
        run_reads,
        servers,
    )
    from bench.report import print_table, read_verdicts
    from bench.stats import machine
    from bench.writes import run_writes

    failures: list[str] = []
    results: dict[str, Any] = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"), "targets": TARGETS}
    results["jobs"] = None if args.reuse else run_jobs(args, failures)
    if {label: django_apps.get_model(label)._meta.db_table for label in floor_sql.TABLES} != floor_sql.TABLES:
        failures.append("bench/floor_sql.py TABLES differ from the models' db_table: update the floor")
    cores = os.cpu_count() or 1
    worker_counts = sorted({int(n) for n in args.workers.split(",")}) if args.workers else sorted({1, cores})
    results["machine"] = {**machine(postgres_version()), "load_average_at_launch": launch_load}
    results["data"] = {
        "players": UserProfileStats.objects.count(),
        "events": UserActivity.objects.count(),
        "seed": args.seed,
    }

    user_id, username, deep_cursor = benchmark_player()
    operations = read_operations(username=username, deep_cursor=deep_cursor)
    pages = page_operations(username=username)
    session_key = session_for(user_id)
    log(f"counting SQL queries per request in-process (player {username})")
    query_counts = count_queries(operations=operations, session_key=session_key)
    auth = Auth(session_cookie_name=settings.SESSION_COOKIE_NAME, session_key=session_key)
    plan = LoadPlan(
        duration_s=args.duration, warmup_s=args.warmup_seconds, one_client=args.one_client, requests=args.requests
    )
    reads: dict[str, dict[str, Any]] = {
        op.name: {
            "operation": op.name,
            "same_json": True,
            "queries_per_request": {
                "graphql": query_counts[op.name][0],
                "django": query_counts[op.name][1],
                "bare": op.bare_queries,
            },
            "target_p95_ms": op.target_p95_ms,
            "cost_requested": None,
            "loads": {},
        }
        for op in operations
    }
    page_rows: dict[str, dict[str, Any]] = {page.name: {"operation": page.name, "loads": {}} for page in pages}
    results["read_method"] = {
        "duration_s": args.duration,
        "warmup_s": args.warmup_seconds,
        "one_client": "wrk -t1 -c1" if args.one_client == "wrk" else f"httpx, {args.requests} sequential requests",
        "levels": ["wrk -t2 -c16", "wrk -t2 -c64"],
        "workers": worker_counts,
        "player": username,
    }
    results["read_method"]["pool_max_per_worker"] = args.pool_max
    results["read_method"]["replicas"] = [url for url in args.replica_urls.split(",") if url]
    needed = 2 * max(worker_counts) * args.pool_max + 5
    available = max_connections()
    if needed > available:
        log(f"warning: the servers may open {needed} connections, PostgreSQL allows {available} (--pool-max)")
    results["servers"] = {}
    results["over_cost"] = {}
    for workers in worker_counts:
        log(f"reads over HTTP with {workers} uvicorn worker(s): {len(operations)} operations, {len(pages)} pages")
        with servers(
            product_app=args.product_app,
            product_env=product_env(args.database_url, replica_urls=args.replica_urls),
            bare_env=bare_env(args.database_url),
            workers=workers,
            options=args.uvicorn_options,
        ) as running:
            results["servers"][str(workers)] = {"product": running.product.command, "bare": running.bare.command}
            measured, measured_pages, read_failures = run_reads(
                running=running, operations=operations, pages=pages, auth=auth, plan=plan, log=log
            )
            results["over_cost"][str(workers)] = run_over_cost(
                running=running, duration_s=min(args.duration, 3.0), log=log
            )
        failures += [f"{workers} worker(s): {failure}" for failure in read_failures]
        for read in measured:
            row = reads[read["operation"]]
            row["same_json"] = row["same_json"] and read["same_json"]
            row["cost_requested"] = read["cost_requested"]
            row["loads"][str(workers)] = read["loads"]
        for page in measured_pages:
            page_rows[page["operation"]]["cost_requested"] = page["cost_requested"]
            page_rows[page["operation"]]["loads"][str(workers)] = page["loads"]
    for row in reads.values():  # the printed ratios and verdicts, for whoever compares runs from the JSON
        row["vs_bare"] = {workers: read_verdicts(row, workers, TARGETS) for workers in row["loads"]}
    results["reads"] = list(reads.values())
    results["pages"] = list(page_rows.values())

    player_ids = list(UserProfileStats.objects.order_by("user_id").values_list("user_id", flat=True)[:500])
    results["writes"] = []
    for writers, raw in ((1, False), (1, True), (4, False), (4, True)):
        log(f"{'raw SQL' if raw else 'record_event'} with {writers} writer(s)")
        write = run_writes(
            writers=writers,
            events_per_writer=args.write_events,
            user_ids=player_ids,
            database_url=args.database_url,
            raw=raw,
        )
        if not write.correct:
            failures.append(f"{writers} writers: {write.lost_events} events and {write.lost_coins} coins lost")
        results["writes"].append(
            {
                "raw_sql": raw,
                "writers": writers,
                "events": write.events,
                "latency": write.latency.as_dict(),
                "events_per_second": round(write.events_per_second, 1),
                "lost_events": write.lost_events,
                "lost_coins": write.lost_coins,
            }
        )
    drift = stats_reconcile(user_ids=player_ids, record_run=False)
    if drift.users_with_drift:
        failures.append(f"stats of {drift.users_with_drift} written players drifted from their events")

    results["analytics"] = run_analytics_benches(args.database_url, failures)

    # Live subscriptions, on their own database (bench/realtime.py): printed after the table.
    log("live subscriptions (bench/realtime.py)")
    results["realtime"] = run_realtime_bench(failures)

    results["failures"] = failures
    print_table(results)
    if results["realtime"] is not None:
        from bench.realtime import print_report

        print_report(results["realtime"])
    path = args.json or ROOT / "bench" / "results" / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nResults written to {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if failures:
        print("\nCORRECTNESS CHECKS FAILED:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
