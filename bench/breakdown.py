"""Where a read's time goes, in-process: raw SQL document vs GraphQL execution vs JSON encoding.

Usage: python -m bench.breakdown [--iterations 200]
Runs on the database `make bench` generated, in this one process (no HTTP, no ASGI, no middleware), so
`HTTP p50 - execute p50` in the bench table is what the server, ASGI and Django add around the schema.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.run import DEFAULT_DATABASE_URL, ROOT, benchmark_player, setup_django


def _p50_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _time(call: Callable[[], Any], iterations: int) -> tuple[list[float], Any]:
    samples, result = [], None
    for _ in range(iterations):
        started = time.perf_counter()
        result = call()
        samples.append(time.perf_counter() - started)
    return samples, result


async def _time_async(call: Callable[[], Any], iterations: int) -> tuple[list[float], Any]:
    samples, result = [], None
    for _ in range(iterations):
        started = time.perf_counter()
        result = await call()
        samples.append(time.perf_counter() - started)
    return samples, result


def executor_floor(feed: dict[str, Any], query: str, variables: dict[str, Any], iterations: int) -> list[float]:
    """The same feed document through a bare Strawberry schema whose data is already in memory: what the
    GraphQL executor alone costs for this shape (no database, no loaders, no extensions)."""
    from datetime import datetime

    import strawberry
    from strawberry.scalars import JSON

    @strawberry.type
    class Node:
        id: strawberry.ID
        event_type: str
        timestamp: datetime
        metadata: JSON
        amount: int | None

    @strawberry.type
    class Edge:
        cursor: str
        node: Node

    @strawberry.type
    class PageInfo:
        has_next_page: bool
        has_previous_page: bool
        start_cursor: str | None
        end_cursor: str | None

    @strawberry.type
    class Connection:
        edges: list[Edge]
        page_info: PageInfo

    connection = feed["data"]["user"]["activities"]
    edges = [
        Edge(
            cursor=edge["cursor"],
            node=Node(
                id=edge["node"]["id"],
                event_type=edge["node"]["eventType"],
                timestamp=datetime.fromisoformat(edge["node"]["timestamp"]),
                metadata=edge["node"]["metadata"],
                amount=edge["node"]["amount"],
            ),
        )
        for edge in connection["edges"]
    ]
    page = Connection(edges=edges, page_info=PageInfo(**{_snake(k): v for k, v in connection["pageInfo"].items()}))

    @strawberry.type
    class User:
        @strawberry.field
        def activities(self, first: int, after: str | None = None) -> Connection:
            return page

    @strawberry.type
    class Query:
        @strawberry.field
        def user(self, username: str) -> User:
            return User()

    bare = strawberry.Schema(query=Query)
    samples, result = asyncio.run(_time_async(lambda: bare.execute(query, variable_values=variables), iterations))
    if result.errors:
        raise SystemExit(f"executor floor: {result.errors}")
    return samples


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    setup_django(args.database_url)

    from django.contrib.auth.models import User

    from bench import floor
    from bench.reads import read_operations
    from schema.context import Context
    from schema.execution import operation_execute, operation_of

    user_id, username, deep_cursor = benchmark_player()
    player = User.objects.get(pk=user_id)
    documents: dict[str, Callable[[], dict[str, Any]]] = {
        "stats": lambda: floor.stats_document(username),
        "activities": lambda: floor.activities_document(username, 50, None),
        "activities-deep": lambda: floor.activities_document(username, 50, deep_cursor),
        "tournament-history": lambda: floor.tournament_history_document(username, 20),
        "economy": lambda: floor.economy_document(user_id, 10),
        "leaderboard": lambda: floor.leaderboard_document(50),
    }
    print(f"{'operation':38} {'raw doc':>8} {'execute':>8} {'x':>5} {'json':>6}  (p50 ms, in-process)")
    for operation in read_operations(username=username, deep_cursor=deep_cursor):
        key = "activities-deep" if operation.variables.get("after") else operation.floor_path
        raw_samples, raw_document = _time(documents[key], args.iterations)

        async def execute(operation: Any = operation) -> Any:
            # The API's own pipeline (cached document, coerced variables, graphql-core execution), minus HTTP.
            prepared = operation_of(query=operation.query, operation_name=None, variables=operation.variables)
            context = Context(user=player if operation.authenticated else None)
            return await operation_execute(prepared, context=context)

        exec_samples, result = asyncio.run(_time_async(execute, args.iterations))
        if result.errors:
            raise SystemExit(f"{operation.name}: {result.errors}")
        document = {"data": result.data}
        json_samples, _ = _time(lambda: json.dumps(document), args.iterations)  # noqa: B023 - used at once
        same = "same JSON" if json.loads(json.dumps(document)) == raw_document else "JSON DIFFERS"
        ratio = _p50_ms(exec_samples) / _p50_ms(raw_samples)
        print(
            f"{operation.name:38} {_p50_ms(raw_samples):>8.2f} {_p50_ms(exec_samples):>8.2f} {ratio:>5.1f}"
            f" {_p50_ms(json_samples):>6.2f}  {same}"
        )
    feed_operation = read_operations(username=username, deep_cursor=deep_cursor)[1]
    bare = executor_floor(documents["activities"](), feed_operation.query, feed_operation.variables, args.iterations)
    print(f"{'  the feed on a bare schema, no DB':38} {'':>8} {_p50_ms(bare):>8.2f}  (the executor alone)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
