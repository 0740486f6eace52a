"""Read throughput with a streaming replica: the same reads at 16 and 64 clients, primary only vs primary +
replica (docs/scale-out.md, BENCHMARKS.md).

    .venv/bin/python -m bench.replicas --database-url postgres://…:5432/dc_bench_10m \\
        --replica-url postgres://…:5433/dc_bench_10m

Each pass starts the product server (as bench.run does; workers = cores) and runs wrk on the stats, feed and
history reads of the busiest player (signed-in session: the read-your-writes pin is looked up, as in production).
It also counts the transactions each server committed for the database during the pass, which shows where the
reads ran. On one machine the replica shares the CPU, memory and disk of the primary: the figures show what the
routing costs and that the reads move, not the capacity a replica on its own server adds.
"""

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ("user { stats }", "activities(first: 50)", "tournamentHistory(first: 20)")


def _commits(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as connection:
        row = connection.execute(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        ).fetchone()
    return int(row[0]) if row else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--replica-url", required=True)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    from bench.run import benchmark_player, session_for, setup_django

    setup_django(args.database_url)
    from django.conf import settings

    from bench.load import DEFAULT_UVICORN_OPTIONS, run_wrk, uvicorn_server
    from bench.reads import GRAPHQL_PROBE, Auth, graphql_request, product_env, read_operations

    user_id, username, deep_cursor = benchmark_player()
    auth = Auth(session_cookie_name=settings.SESSION_COOKIE_NAME, session_key=session_for(user_id))
    operations = [op for op in read_operations(username=username, deep_cursor=deep_cursor) if op.name in OPERATIONS]
    workers = os.cpu_count() or 1
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_at_launch": os.getloadavg()[0],
        "workers": workers,
        "duration_s": args.duration,
        "passes": {},
    }
    for mode, replicas in (("primary", ""), ("primary+replica", args.replica_url)):
        env = product_env(args.database_url, replica_urls=replicas)
        before = (_commits(args.database_url), _commits(args.replica_url))
        rows = []
        with uvicorn_server(
            "config.asgi:application", env=env, workers=workers, options=DEFAULT_UVICORN_OPTIONS, probe=GRAPHQL_PROBE
        ) as server:
            for operation in operations:
                request = graphql_request(operation.query, operation.variables, auth)
                for clients in (16, 64):
                    load = run_wrk(server.base_url, request, connections=clients, threads=2, duration_s=args.duration)
                    rows.append({"operation": operation.name, "clients": clients, **load.as_dict()})
                    print(
                        f"{mode:16} {operation.name:30} c{clients:<3} {load.requests_per_second:8.0f} req/s "
                        f"p95 {load.p95_ms:7.1f} ms errors {load.error_count}",
                        flush=True,
                    )
        after = (_commits(args.database_url), _commits(args.replica_url))
        results["passes"][mode] = {
            "rows": rows,
            "commits_on_primary": after[0] - before[0],
            "commits_on_replica": after[1] - before[1],
        }
        print(f"{mode}: transactions on the primary {after[0] - before[0]:,}, on the replica {after[1] - before[1]:,}")
    results["load_average_at_end"] = os.getloadavg()[0]
    path = args.json or ROOT / "bench" / "results" / f"replicas-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
