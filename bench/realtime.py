"""Live subscriptions: commit-to-client latency with 1,000 concurrent subscribers, memory per idle subscription,
and record_event's latency with publishing on and off.

Usage: python -m bench.realtime [--database-url URL] [--redis-url URL] [--subscribers 1000] [--players 10]
                                [--events 40] [--writes 300]

Runs on its own database (created and migrated; default dc_bench_realtime, dropped at the end) with Redis at
--redis-url: one uvicorn worker serves every subscription (graphql-transport-ws, one connection each, spread
over --players players), this process records events and its client connections (the `websockets` library,
one asyncio loop in a thread) time each event from its commit to its arrival. The client's own work is part of
the figure: it is an upper bound of the server's. Memory per idle subscription is the server's RSS growth over
the subscriptions opened, divided by their number.
"""

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dc_bench_realtime"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
TARGETS = {"commit_to_client_p95_ms": 250.0, "record_event_p95_ms": 5.0}

# From the start of each player's stream: the warm-up event reaches a subscription however late it starts.
SUBSCRIPTION = (
    "subscription($userId: ID!, $after: String) "
    "{ activityAdded(userId: $userId, after: $after) { cursor node { id eventType timestamp } } }"
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_REALTIME_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--subscribers", type=int, default=1_000)
    parser.add_argument("--players", type=int, default=10)
    parser.add_argument("--events", type=int, default=40, help="Events timed from commit to every subscriber.")
    parser.add_argument("--writes", type=int, default=300, help="record_event calls per publishing setting.")
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="Where to write the results (JSON).")
    return parser.parse_args(argv)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _setup(database_url: str, redis_url: str) -> None:
    from bench.run import recreate_database, setup_django

    recreate_database(database_url)
    os.environ["REDIS_URL"] = redis_url
    setup_django(database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _players(count: int) -> list[int]:
    from django.contrib.auth.models import User

    from apps.user_profile.services.account import profile_ensure

    users = User.objects.bulk_create([User(username=f"live{i}", password="!") for i in range(count)])
    for user in users:
        profile_ensure(user_id=user.pk)
    return [user.pk for user in users]


def _start_server(database_url: str, redis_url: str, subscribers: int) -> tuple[subprocess.Popen[bytes], int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        # Every bench client is anonymous from 127.0.0.1: one viewer as far as the per-viewer limit goes.
        "REALTIME_MAX_SUBSCRIPTIONS_PER_VIEWER": str(subscribers + 10),
        "REALTIME_IDLE_TIMEOUT_SECONDS": "600",
    }
    command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "1", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    import httpx

    deadline = time.monotonic() + 120  # a loaded machine starts Django slowly
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/graphql/", params={"query": "{ __typename }"}, timeout=2)
            return server, port
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.terminate()  # not left behind when it is only slow
                raise RuntimeError("the server did not start") from None
            time.sleep(0.1)


class Clients:
    """The subscribers: one WebSocket each, in one asyncio loop on a thread of this process."""

    def __init__(self, port: int, user_ids: list[int], count: int) -> None:
        self.url = f"ws://127.0.0.1:{port}/graphql/"
        self.user_ids = user_ids
        self.count = count
        self.arrivals: dict[str, list[float]] = defaultdict(list)  # activity id -> arrival times
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.sockets: list[Any] = []

    def run(self, coroutine: Any, timeout: float = 300) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    async def _open_one(self, index: int) -> None:
        from websockets.asyncio.client import connect
        from websockets.typing import Subprotocol

        from schema.node import to_global_id

        socket = await connect(
            self.url, subprotocols=[Subprotocol("graphql-transport-ws")], max_queue=None, ping_interval=None
        )
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        ack = json.loads(await socket.recv())
        assert ack["type"] == "connection_ack", ack
        from schema.realtime.cursor import StreamCursor

        owner_id = self.user_ids[index % len(self.user_ids)]
        variables = {"userId": to_global_id("User", owner_id), "after": StreamCursor(user_id=owner_id, seq=0).encode()}
        payload = {"query": SUBSCRIPTION, "variables": variables}
        await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        self.sockets.append(socket)
        self.loop.create_task(self._read(socket))

    async def _read(self, socket: Any) -> None:
        async for raw in socket:
            arrived = time.perf_counter()
            message = json.loads(raw)
            if message["type"] == "next":
                self.arrivals[message["payload"]["data"]["activityAdded"]["node"]["id"]].append(arrived)
            elif message["type"] == "ping":
                await socket.send('{"type":"pong"}')
            elif message["type"] == "error":
                raise RuntimeError(message)

    async def open_all(self) -> None:
        for start in range(0, self.count, 50):  # in waves: the server's accept queue stays short
            await asyncio.gather(*(self._open_one(i) for i in range(start, min(start + 50, self.count))))

    async def close_all(self) -> None:
        await asyncio.gather(*(socket.close() for socket in self.sockets), return_exceptions=True)


def _record(user_id: int, source_id: int) -> tuple[str, float]:
    from apps.user_profile.services.events import record_event
    from schema.node import to_global_id

    activity_id = record_event(
        user_id=user_id,
        event_type="match_played",
        timestamp=datetime.now(UTC),
        source_model="benchmarks.realtimeprobe",
        source_id=source_id,
    )
    assert activity_id is not None
    return str(to_global_id("Activity", activity_id)), time.perf_counter()  # committed (record_event's atomic)


def _wait_for(clients: Clients, activity_id: str, expected: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while len(clients.arrivals.get(activity_id, ())) < expected:
        if time.monotonic() > deadline:
            got = len(clients.arrivals.get(activity_id, ()))
            raise RuntimeError(f"event {activity_id}: {got} of {expected} subscribers got it")
        time.sleep(0.005)


def measure_latency(args: argparse.Namespace, user_ids: list[int]) -> dict[str, Any]:
    server, port = _start_server(args.database_url, args.redis_url, args.subscribers)
    process = psutil.Process(server.pid)
    try:
        clients = Clients(port, user_ids, args.subscribers)
        per_player = {u: sum(1 for i in range(args.subscribers) if user_ids[i % len(user_ids)] == u) for u in user_ids}
        rss_before = process.memory_info().rss
        clients.run(clients.open_all())
        # Every subscription is live once each has received a first event (then the server is warm, too).
        for index, user_id in enumerate(user_ids):
            activity_id, _ = _record(user_id, 10_000_000 + index)
            # Starting a thousand subscriptions queues ~4 queries each on the worker's database thread.
            _wait_for(clients, activity_id, per_player[user_id], timeout=300)
        time.sleep(1.0)
        rss_idle = process.memory_info().rss
        latencies: list[float] = []
        for n in range(args.events):
            user_id = user_ids[n % len(user_ids)]
            activity_id, committed = _record(user_id, n + 1)
            _wait_for(clients, activity_id, per_player[user_id])
            latencies += [(arrived - committed) * 1000 for arrived in clients.arrivals[activity_id]]
            time.sleep(0.05)
        clients.run(clients.close_all())
    finally:
        server.terminate()
        server.wait(timeout=10)
    return {
        "subscribers": args.subscribers,
        "players": len(user_ids),
        "events": args.events,
        "deliveries": len(latencies),
        "commit_to_client_ms": {
            "p50": round(statistics.median(latencies), 2),
            "p95": round(percentile(latencies, 0.95), 2),
            "max": round(max(latencies), 2),
        },
        "server_rss_mb": {"before": round(rss_before / 2**20, 1), "idle_subscribed": round(rss_idle / 2**20, 1)},
        "memory_per_idle_subscription_kb": round((rss_idle - rss_before) / args.subscribers / 1024, 1),
    }


def measure_writes(args: argparse.Namespace, user_ids: list[int]) -> dict[str, Any]:
    """record_event with publishing off and on, call by call in turn (so both see the same machine load)."""
    from django.test import override_settings

    from apps.user_profile import publisher

    timings: dict[str, list[float]] = {"publishing_off": [], "publishing_on": []}
    source = 20_000_000
    for n in range(2 * args.writes):
        label = "publishing_on" if n % 2 else "publishing_off"
        source += 1
        with override_settings(ACTIVITY_STREAM_PUBLISH=bool(n % 2)):
            started = time.perf_counter()
            _record(user_ids[n % len(user_ids)], source)
            timings[label].append((time.perf_counter() - started) * 1000)
    publisher.flush()
    return {
        label: {
            "calls": len(values),
            "p50_ms": round(statistics.median(values), 3),
            "p95_ms": round(percentile(values, 0.95), 3),
        }
        for label, values in timings.items()
    }


def run_realtime(args: argparse.Namespace) -> dict[str, Any]:
    _setup(args.database_url, args.redis_url)
    try:
        user_ids = _players(args.players)
        latency = measure_latency(args, user_ids)
        writes = measure_writes(args, user_ids)
    finally:
        if not args.keep_database:
            from django.db import connections

            connections.close_all()
            _drop(args.database_url)
    return {
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
        "targets": TARGETS,
        "latency": latency,
        "record_event": writes,
    }


def _drop(url: str) -> None:
    import psycopg

    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    with psycopg.connect(url, dbname="postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def print_report(result: dict[str, Any]) -> None:
    latency, writes = result["latency"], result["record_event"]
    lines = [
        f"live subscriptions ({result['cores']} cores, load average {result['load_average']})",
        f"  {latency['subscribers']:,} subscribers over {latency['players']} players, {latency['events']} events, "
        f"{latency['deliveries']:,} deliveries",
        f"  commit-to-client p50 {latency['commit_to_client_ms']['p50']} ms, "
        f"p95 {latency['commit_to_client_ms']['p95']} ms (target p95 <= {TARGETS['commit_to_client_p95_ms']} ms), "
        f"max {latency['commit_to_client_ms']['max']} ms",
        f"  memory per idle subscription {latency['memory_per_idle_subscription_kb']} KiB "
        f"(server RSS {latency['server_rss_mb']['before']} -> {latency['server_rss_mb']['idle_subscribed']} MiB)",
    ]
    for label, row in writes.items():
        lines.append(
            f"  record_event, {label.replace('_', ' ')}: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms "
            f"({row['calls']} calls; target p95 <= {TARGETS['record_event_p95_ms']} ms)"
        )
    print("\n".join(lines))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    result = run_realtime(args)
    print_report(result)
    out = args.json or ROOT / "bench" / "results" / f"realtime-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
