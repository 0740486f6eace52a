"""The middle row of the read benchmark: plain async Django views over the floors' raw SQL.

Each view runs the statement of bench/floor_sql.py through Django's connection (so the same psycopg pool as
the GraphQL endpoint) and returns the very JSON document the GraphQL query returns, so the benchmark can
check the two agree. What separates these views from the bare ASGI floor (bench/bare.py, the same SQL and the
same documents) is Django's request path: its ASGI handler, middleware and thread hand-offs. Mounted under
/__bench__/ only when the BENCH setting is on.
"""

from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from bench import floor_sql
from bench.floor_sql import Row, Statement


def _fetch(statement: Statement) -> list[Row]:
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def stats_document(username: str) -> dict[str, Any]:
    return floor_sql.stats_document(_fetch(floor_sql.stats_statement(username)))


def activities_document(username: str, first: int, after: str | None) -> dict[str, Any]:
    rows = _fetch(floor_sql.activities_statement(username, first, after))
    return floor_sql.activities_document(rows, first, after)


def tournament_history_document(username: str, first: int) -> dict[str, Any]:
    rows = _fetch(floor_sql.tournament_history_statement(username, first))
    return floor_sql.tournament_history_document(rows, first)


def economy_document(user_id: int, recent: int) -> dict[str, Any]:
    return floor_sql.economy_document(_fetch(floor_sql.economy_statement(user_id, recent)))


def leaderboard_document(first: int) -> dict[str, Any]:
    return floor_sql.leaderboard_document(_fetch(floor_sql.leaderboard_statement(first)), first)


def _json_view(build: Callable[[HttpRequest], dict[str, Any]]) -> Callable[[HttpRequest], Any]:
    async def view(request: HttpRequest) -> HttpResponse:
        return JsonResponse(await sync_to_async(build)(request))

    return view


async def economy_view(request: HttpRequest) -> HttpResponse:
    # The same session authentication the GraphQL endpoint does for `me`.
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse(floor_sql.ANONYMOUS_ECONOMY)
    return JsonResponse(await sync_to_async(economy_document)(user.pk, int(request.GET.get("first", "10"))))


urlpatterns = [
    path("stats", _json_view(lambda r: stats_document(r.GET["username"]))),
    path(
        "activities",
        _json_view(lambda r: activities_document(r.GET["username"], int(r.GET["first"]), r.GET.get("after"))),
    ),
    path(
        "tournament-history",
        _json_view(lambda r: tournament_history_document(r.GET["username"], int(r.GET["first"]))),
    ),
    path("economy", economy_view),
    path("leaderboard", _json_view(lambda r: leaderboard_document(int(r.GET["first"])))),
]
