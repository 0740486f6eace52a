"""Read benchmarks over HTTP: each GraphQL operation against the Django floor view (the middle row) and the
bare ASGI floor (the physical floor), and the two HTML pages against their GraphQL equivalents.

For each worker count the harness starts two uvicorn servers with the same options and workers: the product
(`config.asgi:application` by default, with BENCH=1 so the Django floor views are mounted under /__bench__/)
and the bare floor (`bench.bare:app`). It checks that every GraphQL document equals both floors' documents,
then drives each target with wrk: one client (-t1 -c1), 16 clients (-t2 -c16) and 64 clients (-t2 -c64).
"""

import json
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
from strawberry.utils.str_converters import to_camel_case

from apps.user_profile.event_types import STORED_FIELDS
from bench.load import (
    BARE_APP,
    Load,
    Request,
    Server,
    run_sequential,
    run_wrk,
    uvicorn_server,
)

PAGE_INFO = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"
# Every stored counter and time (the model's, by their GraphQL names), then the figures derived from them.
DERIVED_STATS = (
    "winRate winRatePercent tournamentWinRate tournamentWinRatePercent netEarnings podiumFinishes activeTeams"
)
STATS = " ".join(to_camel_case(name) for name in STORED_FIELDS) + " " + DERIVED_STATS
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
# What /players/<username>/ shows (anonymous viewer): the stats, the latest 5 tournaments, the latest 10 events.
PROFILE_PAGE_QUERY = (
    "query ProfilePage($username: String!) { user(username: $username) { id username "
    f"stats {{ {STATS} }} tournamentHistory(first: 5) {{ edges {{ node {{ registeredAt completed placement result "
    "tournament { id name game startsAt } } } pageInfo { hasNextPage } } "
    "activities(first: 10) { edges { node { id eventType timestamp metadata amount } } } } }"
)
# What /me/activity/ shows: the signed-in player's latest 50 events (economy included) and the paging links.
MY_ACTIVITY_QUERY = (
    "query MyActivity { me { activities(first: 50) { edges { cursor node { id eventType timestamp metadata "
    f"amount }} }} {PAGE_INFO} }} }} }}"
)
# 100 players x 100 events: the cost limit refuses it before any SQL, with HTTP 400 and QUERY_TOO_COMPLEX.
OVER_COST_QUERY = (
    "{ leaderboard(metric: MATCHES_WON, first: 100) { edges { node { activities(first: 100) { edges { node "
    "{ id eventType timestamp metadata tournament { name } match { round } } } } } } } }"
)
SIDES = ("graphql", "django", "bare")
PAGE_SIDES = ("page", "graphql")
LEVELS = ("c1", "c16", "c64")
GRAPHQL_PROBE = Request("POST", "/graphql/", '{"query": "{ __typename }"}', (("Content-Type", "application/json"),))


@dataclass
class ReadOperation:
    name: str
    query: str
    variables: dict[str, Any]
    floor_path: str
    floor_params: dict[str, Any]
    authenticated: bool = False
    target_p95_ms: float = 25.0  # the absolute target of the product (one client)
    bare_queries: int = 1  # statements the bare floor runs (sign-in included)


@dataclass
class PageOperation:
    name: str
    path: str
    query: str
    variables: dict[str, Any]
    authenticated: bool = False


@dataclass
class Auth:
    """A signed-in SPA: the session cookie with the CSRF cookie and the matching header."""

    session_cookie_name: str
    session_key: str
    csrf_token: str = field(default_factory=lambda: secrets.token_hex(16))

    def headers(self) -> tuple[tuple[str, str], ...]:
        cookie = f"{self.session_cookie_name}={self.session_key}; csrftoken={self.csrf_token}"
        return (("Cookie", cookie), ("X-CSRFToken", self.csrf_token))


def read_operations(*, username: str, deep_cursor: str) -> list[ReadOperation]:
    user = {"username": username}
    return [
        ReadOperation("user { stats }", STATS_QUERY, user, "stats", user, target_p95_ms=5),
        ReadOperation(
            "activities(first: 50)", FEED_QUERY, {**user, "after": None}, "activities", {**user, "first": 50}, False, 10
        ),
        ReadOperation(
            "activities(first: 50) after 2,000",
            FEED_QUERY,
            {**user, "after": deep_cursor},
            "activities",
            {**user, "first": 50, "after": deep_cursor},
            target_p95_ms=10,
        ),
        ReadOperation("tournamentHistory(first: 20)", HISTORY_QUERY, user, "tournament-history", {**user, "first": 20}),
        ReadOperation(
            "economySummary", ECONOMY_QUERY, {}, "economy", {"first": 10}, authenticated=True, bare_queries=2
        ),
        ReadOperation("leaderboard(first: 50) + stats", LEADERBOARD_QUERY, {}, "leaderboard", {"first": 50}),
    ]


def page_operations(*, username: str) -> list[PageOperation]:
    return [
        PageOperation(f"/players/{username}/", f"/players/{username}/", PROFILE_PAGE_QUERY, {"username": username}),
        PageOperation("/me/activity/", "/me/activity/", MY_ACTIVITY_QUERY, {}, authenticated=True),
    ]


def graphql_request(
    query: str, variables: dict[str, Any], auth: Auth | None, *, accept: str = "application/json"
) -> Request:
    headers = (("Content-Type", "application/json"), ("Accept", accept), *(auth.headers() if auth else ()))
    return Request("POST", "/graphql/", json.dumps({"query": query, "variables": variables}), headers)


def floor_request(operation: ReadOperation, auth: Auth | None) -> Request:
    params = {k: v for k, v in operation.floor_params.items() if v is not None}
    return Request(
        "GET", f"/__bench__/{operation.floor_path}?{urlencode(params)}", None, auth.headers() if auth else ()
    )


def _send(base_url: str, request: Request) -> httpx.Response:
    return httpx.request(
        request.method, base_url + request.path, content=request.body, headers=dict(request.headers), timeout=120
    )


def cost_requested(document: Any) -> Any:
    """`extensions.cost.requested` of a GraphQL response, None when the server reports none."""
    if not isinstance(document, dict):
        return None
    cost = (document.get("extensions") or {}).get("cost")
    return cost.get("requested") if isinstance(cost, dict) else None


def _error_codes(document: Any) -> list[str]:
    """extensions.code of the response and of each error."""
    if not isinstance(document, dict):
        return []
    codes = [(document.get("extensions") or {}).get("code")]
    codes += [(error.get("extensions") or {}).get("code") for error in document.get("errors") or []]
    return [str(code) for code in codes if code]


def _compare(name: str, graphql: httpx.Response, floors: dict[str, httpx.Response]) -> list[str]:
    for side, response in (("GraphQL", graphql), *floors.items()):
        if response.status_code != 200:
            return [f"{name}: {side} answered HTTP {response.status_code}: {response.text[:200]}"]
    document = graphql.json()
    if document.get("errors"):
        return [f"{name}: GraphQL errors {json.dumps(document['errors'])[:300]}"]
    if not all((document.get("data") or {}).values()):
        return [f"{name}: the GraphQL document has no data (not found or not signed in)"]
    errors = []
    for side, response in floors.items():
        floor = response.json()
        if {"data": document["data"]} != floor:
            errors.append(f"{name}: GraphQL and {side} documents differ: {_first_difference(document, floor)}")
    return errors


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


@dataclass
class LoadPlan:
    """How long and how hard each target is driven."""

    duration_s: float = 5.0
    warmup_s: float = 1.0
    one_client: str = "wrk"  # or "httpx": sequential requests over one keep-alive connection
    requests: int = 300  # of the httpx one-client loop
    levels: tuple[tuple[str, int, int], ...] = (("c16", 2, 16), ("c64", 2, 64))

    def measure(self, base_url: str, request: Request, log: Callable[[str], None]) -> dict[str, dict[str, Any]]:
        if self.warmup_s > 0:
            run_wrk(base_url, request, connections=4, threads=1, duration_s=self.warmup_s)
        loads: dict[str, Load] = {}
        if self.one_client == "httpx":
            loads["c1"] = run_sequential(base_url, request, count=self.requests)
        else:
            loads["c1"] = run_wrk(base_url, request, connections=1, threads=1, duration_s=self.duration_s)
        for level, threads, connections in self.levels:
            loads[level] = run_wrk(
                base_url, request, connections=connections, threads=threads, duration_s=self.duration_s
            )
        bad = {level: load.errors for level, load in loads.items() if load.errors}
        if bad:
            log(f"  errors on {request.method} {request.path[:60]}: {bad}")
        return {level: load.as_dict() for level, load in loads.items()}


@dataclass
class Servers:
    product: Server
    bare: Server


@contextmanager
def servers(
    *, product_app: str, product_env: dict[str, str], bare_env: dict[str, str], workers: int, options: str
) -> Iterator[Servers]:
    """The product and the bare floor, each `uvicorn --workers N` with the same options."""
    with (
        uvicorn_server(product_app, env=product_env, workers=workers, options=options, probe=GRAPHQL_PROBE) as p,
        uvicorn_server(
            BARE_APP,
            env=bare_env,
            workers=workers,
            options=options,
            probe=Request("GET", "/__bench__/leaderboard?first=1"),
        ) as b,
    ):
        yield Servers(product=p, bare=b)


def run_reads(
    *,
    running: Servers,
    operations: list[ReadOperation],
    pages: list[PageOperation],
    auth: Auth,
    plan: LoadPlan,
    log: Callable[[str], None],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Check and load every read operation and page on the running servers: (reads, pages, failures)."""
    failures: list[str] = []
    reads = []
    for operation in operations:
        signed_in = auth if operation.authenticated else None
        requests = {
            "graphql": (running.product.base_url, graphql_request(operation.query, operation.variables, signed_in)),
            "django": (running.product.base_url, floor_request(operation, signed_in)),
            "bare": (running.bare.base_url, floor_request(operation, signed_in)),
        }
        answers = {side: _send(base_url, request) for side, (base_url, request) in requests.items()}
        errors = _compare(
            operation.name, answers["graphql"], {"Django floor": answers["django"], "bare floor": answers["bare"]}
        )
        failures += errors
        try:
            cost = cost_requested(answers["graphql"].json())
        except ValueError:
            cost = None
        log(f"{operation.name}: {'same JSON' if not errors else 'DIFFERENT'}; loading GraphQL, Django, bare")
        loads = {side: plan.measure(base_url, request, log) for side, (base_url, request) in requests.items()}
        for side, levels in loads.items():
            if any(levels[level]["error_count"] for level in levels):
                failures.append(f"{operation.name}: {side} had failed requests under load")
        reads.append({"operation": operation.name, "same_json": not errors, "cost_requested": cost, "loads": loads})

    page_results = []
    for page in pages:
        signed_in = auth if page.authenticated else None
        requests = {
            "page": (
                running.product.base_url,
                Request("GET", page.path, None, signed_in.headers() if signed_in else ()),
            ),
            "graphql": (running.product.base_url, graphql_request(page.query, page.variables, signed_in)),
        }
        answers = {side: _send(base_url, request) for side, (base_url, request) in requests.items()}
        for side, answer in answers.items():
            if answer.status_code != 200:
                failures.append(f"{page.name}: {side} answered HTTP {answer.status_code}: {answer.text[:200]}")
        document = answers["graphql"].json() if answers["graphql"].status_code == 200 else {}
        if document.get("errors") or not all((document.get("data") or {}).values()):
            failures.append(f"{page.name}: its GraphQL equivalent answered {json.dumps(document)[:300]}")
        log(f"{page.name}: loading the page and its GraphQL equivalent")
        loads = {side: plan.measure(base_url, request, log) for side, (base_url, request) in requests.items()}
        for side, levels in loads.items():
            if any(levels[level]["error_count"] for level in levels):
                failures.append(f"{page.name}: {side} had failed requests under load")
        page_results.append({"operation": page.name, "cost_requested": cost_requested(document), "loads": loads})
    return reads, page_results, failures


def run_over_cost(*, running: Servers, duration_s: float, log: Callable[[str], None]) -> dict[str, Any]:
    """How long the server takes to answer (today) or refuse (with a cost limit) the abusive query, one client.

    The run lasts `duration_s`, or long enough for about five answers when one answer takes longer (at most 60 s).
    """
    # As a current client asks (GraphQL over HTTP's media type): a refusal is then HTTP 400, not 200.
    request = graphql_request(OVER_COST_QUERY, {}, None, accept="application/graphql-response+json")
    started = time.perf_counter()
    answer = _send(running.product.base_url, request)
    probe_s = time.perf_counter() - started
    try:
        document: Any = answer.json()
    except ValueError:
        document = None
    codes = _error_codes(document)
    refused = answer.status_code == 400 and "QUERY_TOO_COMPLEX" in codes
    duration_s = min(60.0, max(duration_s, probe_s * 5 + 1))
    log(f"over-cost query: HTTP {answer.status_code} {codes or ''} in {probe_s:.2f} s; {duration_s:.0f} s, one client")
    load = run_wrk(running.product.base_url, request, connections=1, threads=1, duration_s=duration_s)
    # Refusals are status errors to wrk: only socket errors and timeouts count against the row.
    socket_errors = {key: n for key, n in load.errors.items() if key != "status"}
    return {
        "status": answer.status_code,
        "codes": codes,
        "refused": refused,
        "first_answer_ms": round(probe_s * 1000, 2),
        "response_bytes": len(answer.content),
        "cost_requested": cost_requested(document),
        "c1": {**load.as_dict(), "socket_errors": sum(socket_errors.values())},
    }


def count_queries(*, operations: list[ReadOperation], session_key: str) -> dict[str, tuple[int | None, int]]:
    """SQL statements per request of each operation (in-process through the ASGI application, as served) and
    of its Django floor (through Django's test client)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from config.asgi_client import AsgiClient

    counts: dict[str, tuple[int | None, int]] = {}
    for operation in operations:
        client = Client()
        if operation.authenticated:
            client.cookies[settings.SESSION_COOKIE_NAME] = session_key
        payload = {"query": operation.query, "variables": operation.variables}
        with CaptureQueriesContext(connection) as graphql:
            response = AsgiClient(client).post("/graphql/", payload)
        if response.status_code not in (200, 404):
            raise RuntimeError(f"{operation.name}: HTTP {response.status_code} in-process: {response.content[:300]!r}")
        params = {k: v for k, v in operation.floor_params.items() if v is not None}
        with CaptureQueriesContext(connection) as floor:
            client.get(f"/__bench__/{operation.floor_path}", params)
        graphql_count = len(graphql.captured_queries) if response.status_code == 200 else None
        counts[operation.name] = (graphql_count, len(floor.captured_queries))
    return counts


# --- kept for bench.profile: one keep-alive httpx client against the product ---


def _graphql(client: httpx.Client, operation: ReadOperation) -> httpx.Response:
    return client.post("/graphql/", json={"query": operation.query, "variables": operation.variables})


def _floor(client: httpx.Client, operation: ReadOperation) -> httpx.Response:
    params = {k: v for k, v in operation.floor_params.items() if v is not None}
    return client.get(f"/__bench__/{operation.floor_path}", params=params)


def product_env(database_url: str, *, replica_urls: str = "") -> dict[str, str]:
    """A production-like product server: DEBUG off, pooled connections, the Django floor views mounted.

    Plain HTTP on loopback (TLS ends at a proxy in production, so no redirect to https), and every request
    charged to its viewer's budget in Redis as in production, with limits no benchmark reaches.
    """
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_POOL": "1",
        "DEBUG": "0",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "BENCH": "1",
        "LOG_LEVEL": "WARNING",
        "SECURE_SSL_REDIRECT": "0",
        "API_BUDGET_POINTS": str(10**15),
        "API_BUDGET_ANONYMOUS_POINTS": str(10**15),
        "API_BUDGET_KEY_PREFIX": f"bench-{os.getpid()}",
        # Reads on these streaming replicas (none: all on the primary, as by default).
        "DATABASE_REPLICA_URLS": replica_urls,
    }
    env.setdefault("REDIS_URL", BENCH_REDIS_URL)
    return env


BENCH_REDIS_URL = "redis://127.0.0.1:6379/14"


def bare_env(database_url: str) -> dict[str, str]:
    """Only what the bare floor reads (no DJANGO_SETTINGS_MODULE: it must not need Django)."""
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "DATABASE_POOL_MIN", "DATABASE_POOL_MAX", "SECRET_KEY")
    env = {key: os.environ[key] for key in keep if key in os.environ}
    env["DATABASE_URL"] = database_url
    return env


@contextmanager
def asgi_server(
    *, database_url: str, workers: int = 1, app: str = "config.asgi:application"
) -> Iterator[tuple[str, int]]:
    """The product server alone, one worker: (URL, pid) (bench.profile)."""
    from bench.load import DEFAULT_UVICORN_OPTIONS

    with uvicorn_server(
        app, env=product_env(database_url), workers=workers, options=DEFAULT_UVICORN_OPTIONS, probe=GRAPHQL_PROBE
    ) as server:
        yield server.base_url, server.pid
