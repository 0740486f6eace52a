"""Read benchmarks over HTTP: each GraphQL operation against its raw-SQL floor view, on one uvicorn process."""

import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.stats import Latency

ROOT = Path(__file__).resolve().parent.parent
PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
STATS = (
    "tournamentsRegistered tournamentsPlayed tournamentsCompleted tournamentsWon tournamentsRunnerUp "
    "tournamentsTop4 matchesPlayed matchesWon matchesLost matchesDrawn totalEarned totalSpent "
    "achievementsUnlocked teamsJoined teamsLeft firstActivityAt lastActivityAt winRate winRatePercent "
    "tournamentWinRate tournamentWinRatePercent netEarnings podiumFinishes activeTeams"
)
STATS_QUERY = f"query Stats($username: String!) {{ user(username: $username) {{ stats {{ {STATS} }} }} }}"
FEED_QUERY = (
    "query Feed($username: String!, $after: String) { user(username: $username) { "
    "activities(first: 50, after: $after) { edges { cursor node { id eventType timestamp metadata amount } } "
    f"{PAGE_INFO} }} }} }}"
)
HISTORY_QUERY = (
    "query History($username: String!) { user(username: $username) { tournamentHistory(first: 20) { "
    "edges { cursor node { registeredAt checkedIn completed placement result matchesPlayed matchesWon "
    f"matchesLost tournament {{ id name game startsAt }} }} }} {PAGE_INFO} }} }} }}"
)
ECONOMY_QUERY = (
    "query Economy { me { economySummary { totalEarned totalSpent netEarnings "
    "recentTransactions(first: 10) { amount reason reference createdAt } } } }"
)
# What a leaderboard row shows of each player's stats (the full set is the `user { stats }` operation).
LEADERBOARD_STATS = "tournamentsWon tournamentsCompleted matchesPlayed matchesWon winRate netEarnings"
LEADERBOARD_QUERY = (
    "query Board { leaderboard(metric: TOURNAMENTS_WON, first: 50) { edges { cursor rank "
    f"node {{ id username stats {{ {LEADERBOARD_STATS} }} }} }} {PAGE_INFO} }} }}"
)


@dataclass
class ReadOperation:
    name: str
    query: str
    variables: dict[str, Any]
    floor_path: str
    floor_params: dict[str, Any]
    authenticated: bool = False
    target_p95_ms: float = 25.0
    target_ratio: float | None = None  # GraphQL p95 / floor p95 at most this


@dataclass
class ReadResult:
    operation: ReadOperation
    graphql: Latency
    floor: Latency
    queries_per_request: int
    floor_queries_per_request: int
    same_json: bool
    errors: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.graphql.p95_ms / self.floor.p95_ms


def read_operations(*, username: str, deep_cursor: str) -> list[ReadOperation]:
    user = {"username": username}
    return [
        ReadOperation("user { stats }", STATS_QUERY, user, "stats", user, target_p95_ms=5),
        ReadOperation(
            "activities(first: 50)",
            FEED_QUERY,
            {**user, "after": None},
            "activities",
            {**user, "first": 50},
            target_p95_ms=10,
            target_ratio=3,
        ),
        ReadOperation(
            "activities(first: 50) after 2,000",
            FEED_QUERY,
            {**user, "after": deep_cursor},
            "activities",
            {**user, "first": 50, "after": deep_cursor},
            target_p95_ms=10,
            target_ratio=3,
        ),
        ReadOperation("tournamentHistory(first: 20)", HISTORY_QUERY, user, "tournament-history", {**user, "first": 20}),
        ReadOperation("economySummary", ECONOMY_QUERY, {}, "economy", {"first": 10}, authenticated=True),
        ReadOperation("leaderboard(first: 50) + stats", LEADERBOARD_QUERY, {}, "leaderboard", {"first": 50}),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def asgi_server(*, database_url: str) -> Iterator[tuple[str, int]]:
    """A production-like uvicorn process (DEBUG off, pooled connections, floor views mounted): (URL, pid)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_POOL": "1",
        "DEBUG": "0",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "BENCH": "1",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "config.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"uvicorn exited with status {server.returncode} before serving")
            try:
                httpx.get(f"{base_url}/__bench__/leaderboard?first=1", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start serving within 30 s") from None
                time.sleep(0.2)
        yield base_url, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _graphql(client: httpx.Client, operation: ReadOperation) -> httpx.Response:
    return client.post("/graphql/", json={"query": operation.query, "variables": operation.variables})


def _floor(client: httpx.Client, operation: ReadOperation) -> httpx.Response:
    params = {k: v for k, v in operation.floor_params.items() if v is not None}
    return client.get(f"/__bench__/{operation.floor_path}", params=params)


def _timed(send: Any, client: httpx.Client, operation: ReadOperation, count: int) -> tuple[list[float], int]:
    """Latencies of `count` requests, and how many of them did not answer 200."""
    samples, failed = [], 0
    for _ in range(count):
        started = time.perf_counter()
        response = send(client, operation)
        samples.append(time.perf_counter() - started)
        failed += response.status_code != 200
    return samples, failed


def _compare(operation: ReadOperation, graphql_response: httpx.Response, floor_response: httpx.Response) -> list[str]:
    for side, response in (("GraphQL", graphql_response), ("raw SQL", floor_response)):
        if response.status_code != 200:
            return [f"{operation.name}: {side} answered HTTP {response.status_code}: {response.text[:200]}"]
    graphql, floor = graphql_response.json(), floor_response.json()
    if graphql.get("errors"):
        return [f"{operation.name}: GraphQL errors {json.dumps(graphql['errors'])[:300]}"]
    if not all((graphql.get("data") or {}).values()):
        return [f"{operation.name}: the GraphQL document has no data (not found or not signed in)"]
    if graphql != floor:
        return [f"{operation.name}: GraphQL and raw SQL documents differ: {_first_difference(graphql, floor)}"]
    return []


def _first_difference(left: Any, right: Any, where: str = "$") -> str:
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if key not in left or key not in right:
                return f"{where}.{key} only on one side"
            if left[key] != right[key]:
                return _first_difference(left[key], right[key], f"{where}.{key}")
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{where}: {len(left)} vs {len(right)} items"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            if a != b:
                return _first_difference(a, b, f"{where}[{index}]")
    return f"{where}: {json.dumps(left, default=str)[:120]} vs {json.dumps(right, default=str)[:120]}"


def run_reads(
    *,
    base_url: str,
    operations: list[ReadOperation],
    session_cookie: dict[str, str],
    requests: int,
    warmup: int,
    query_counts: dict[str, tuple[int, int]],
) -> list[ReadResult]:
    """Warm each operation, check GraphQL and floor agree, then time `requests` of each, one at a time."""
    results = []
    # A signed-in SPA sends its session cookie with the CSRF cookie and the matching header.
    csrf_token = secrets.token_hex(16)
    signed_in = {**session_cookie, "csrftoken": csrf_token}
    for operation in operations:
        cookies = signed_in if operation.authenticated else {}
        headers = {"X-CSRFToken": csrf_token} if operation.authenticated else {}
        with httpx.Client(base_url=base_url, cookies=cookies, headers=headers, timeout=30) as client:
            for _ in range(warmup):
                _graphql(client, operation)
                _floor(client, operation)
            errors = _compare(operation, _graphql(client, operation), _floor(client, operation))
            graphql_samples, graphql_failed = _timed(_graphql, client, operation, requests)
            floor_samples, floor_failed = _timed(_floor, client, operation, requests)
        if graphql_failed or floor_failed:
            errors.append(f"{operation.name}: {graphql_failed} GraphQL and {floor_failed} raw requests failed")
        graphql_queries, floor_queries = query_counts[operation.name]
        results.append(
            ReadResult(
                operation=operation,
                graphql=Latency.of(graphql_samples),
                floor=Latency.of(floor_samples),
                queries_per_request=graphql_queries,
                floor_queries_per_request=floor_queries,
                same_json=not errors,
                errors=errors,
            )
        )
    return results


def count_queries(*, operations: list[ReadOperation], session_key: str) -> dict[str, tuple[int, int]]:
    """SQL statements per request of each operation and its floor, through Django's test client in-process."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for operation in operations:
        client = Client()
        if operation.authenticated:
            client.cookies[settings.SESSION_COOKIE_NAME] = session_key
        payload = {"query": operation.query, "variables": operation.variables}
        with CaptureQueriesContext(connection) as graphql:
            response = client.post("/graphql/", payload, content_type="application/json")
        if response.status_code != 200:
            raise RuntimeError(f"{operation.name}: HTTP {response.status_code} in-process: {response.content[:300]!r}")
        params = {k: v for k, v in operation.floor_params.items() if v is not None}
        with CaptureQueriesContext(connection) as floor:
            client.get(f"/__bench__/{operation.floor_path}", params)
        counts[operation.name] = (len(graphql.captured_queries), len(floor.captured_queries))
    return counts
