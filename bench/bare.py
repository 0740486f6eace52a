"""The physical floor of the read benchmark: a bare ASGI app, no web framework, over psycopg's async pool.

    DATABASE_URL=postgres://... uvicorn bench.bare:app

It answers the paths of the Django floor views (/__bench__/stats, /activities, /tournament-history, /economy,
/leaderboard, same query parameters) with the same SQL and the same JSON document (bench/floor_sql.py), so
the harness checks it against the GraphQL answer like the Django floor. What it costs is what any server
must pay for these reads: HTTP parsing (uvicorn), one pool checkout, the statement, building the document
and encoding it (orjson). It imports no Django.

Environment: DATABASE_URL (required); DATABASE_POOL_MIN / DATABASE_POOL_MAX (the product's defaults, 2 and
20, per worker); SECRET_KEY (optional: when set, session signatures are checked as Django does);
SESSION_COOKIE_NAME (default sessionid).
"""

import os
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson
from psycopg_pool import AsyncConnectionPool

from bench import floor_sql
from bench.floor_sql import Row, Statement
from config.postgres_session import SESSION_OPTIONS

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Handler = Callable[[dict[str, str], dict[str, str]], Awaitable[dict[str, Any]]]

SESSION_COOKIE = os.environ.get("SESSION_COOKIE_NAME", "sessionid")
SECRET_KEY = os.environ.get("SECRET_KEY") or None
JSON_HEADERS = [(b"content-type", b"application/json")]

_pool: AsyncConnectionPool | None = None


def _new_pool() -> AsyncConnectionPool:
    # As the product's connections (config/postgres_session.py), in UTC (timestamps print as +00:00); psycopg
    # prepares a statement from its fifth run.
    return AsyncConnectionPool(
        os.environ["DATABASE_URL"],
        min_size=int(os.environ.get("DATABASE_POOL_MIN", "2")),
        max_size=int(os.environ.get("DATABASE_POOL_MAX", "20")),
        kwargs={"autocommit": True, "options": f"-c TimeZone=UTC {SESSION_OPTIONS}"},
        open=False,
    )


async def _open_pool() -> AsyncConnectionPool:
    global _pool
    if _pool is None:
        _pool = _new_pool()
        await _pool.open(wait=True)
    return _pool


async def _fetch(statement: Statement) -> list[Row]:
    pool = _pool or await _open_pool()
    sql, params = statement
    async with pool.connection() as connection:
        cursor = await connection.execute(sql, params)
        return await cursor.fetchall()


async def stats(query: dict[str, str], cookies: dict[str, str]) -> dict[str, Any]:
    return floor_sql.stats_document(await _fetch(floor_sql.stats_statement(query["username"])))


async def activities(query: dict[str, str], cookies: dict[str, str]) -> dict[str, Any]:
    first, after = int(query["first"]), query.get("after")
    rows = await _fetch(floor_sql.activities_statement(query["username"], first, after))
    return floor_sql.activities_document(rows, first, after)


async def tournament_history(query: dict[str, str], cookies: dict[str, str]) -> dict[str, Any]:
    first = int(query["first"])
    rows = await _fetch(floor_sql.tournament_history_statement(query["username"], first))
    return floor_sql.tournament_history_document(rows, first)


async def economy(query: dict[str, str], cookies: dict[str, str]) -> dict[str, Any]:
    session_key = cookies.get(SESSION_COOKIE)
    user_id = None
    if session_key:
        rows = await _fetch(floor_sql.session_statement(session_key))
        user_id = floor_sql.session_user_id(rows[0][0], SECRET_KEY) if rows else None
    if user_id is None:
        return floor_sql.ANONYMOUS_ECONOMY
    rows = await _fetch(floor_sql.economy_statement(user_id, int(query.get("first", "10"))))
    return floor_sql.economy_document(rows)


async def leaderboard(query: dict[str, str], cookies: dict[str, str]) -> dict[str, Any]:
    first = int(query["first"])
    return floor_sql.leaderboard_document(await _fetch(floor_sql.leaderboard_statement(first)), first)


ROUTES: dict[str, Handler] = {
    "/__bench__/stats": stats,
    "/__bench__/activities": activities,
    "/__bench__/tournament-history": tournament_history,
    "/__bench__/economy": economy,
    "/__bench__/leaderboard": leaderboard,
}


def _cookies(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for name, value in headers:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, cookie = part.strip().partition("=")
                cookies[key] = cookie
    return cookies


async def _respond(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    length = (b"content-length", str(len(body)).encode())
    await send({"type": "http.response.start", "status": status, "headers": [*headers, length]})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    global _pool
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await _open_pool()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if _pool is not None:
                await _pool.close()
                _pool = None
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    handler = ROUTES.get(scope["path"])
    if handler is None or scope["method"] != "GET":
        await _respond(send, 404, b'{"error":"not found"}', JSON_HEADERS)
        return
    query = dict(parse_qsl(scope["query_string"].decode("latin-1")))
    try:
        document = await handler(query, _cookies(scope["headers"]))
    except (KeyError, ValueError) as error:
        await _respond(send, 400, orjson.dumps({"error": str(error)}), JSON_HEADERS)
        return
    await _respond(send, 200, orjson.dumps(document), JSON_HEADERS)
