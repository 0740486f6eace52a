"""The fastest way to serve each benchmarked GraphQL operation: plain async Django views over raw SQL.

Each view runs the equivalent SQL through Django's connection (so the same psycopg pool as the GraphQL
endpoint) and returns the very JSON document the GraphQL query returns, so the benchmark can check the two
agree and measure the ratio. Mounted under /__bench__/ only when the BENCH setting is on.
"""

import base64
import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path

from apps.user_profile.models.stats import COUNTER_FIELDS
from apps.user_profile.selectors.cursors import ActivityCursor, encode_cursor

ECONOMY_EVENTS = ("coins_earned", "coins_spent")
STATS_COLUMNS = (*COUNTER_FIELDS, "first_activity_at", "last_activity_at")
HISTORY_COUNTED = (
    "tournament_joined",
    "tournament_completed",
    "tournament_won",
    "tournament_runner_up",
    "tournament_top4",
    "match_played",
    "match_won",
    "match_lost",
)
OUTCOMES = (("tournament_won", "WON"), ("tournament_runner_up", "RUNNER_UP"), ("tournament_top4", "TOP4"))


def _global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _percent(ratio: float) -> float:
    return float(Decimal(str(ratio * 100)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _page_info(cursors: list[str], *, has_next: bool, has_previous: bool) -> dict[str, Any]:
    return {
        "hasNextPage": has_next,
        "hasPreviousPage": has_previous,
        "startCursor": cursors[0] if cursors else None,
        "endCursor": cursors[-1] if cursors else None,
    }


def _stats_json(values: dict[str, Any]) -> dict[str, Any]:
    played, won = values["matches_played"], values["matches_won"]
    completed, t_won = values["tournaments_completed"], values["tournaments_won"]
    win_rate = won / played if played else 0.0
    tournament_win_rate = t_won / completed if completed else 0.0
    data = {_camel(name): values[name] for name in COUNTER_FIELDS}
    data.update(
        firstActivityAt=_iso(values["first_activity_at"]),
        lastActivityAt=_iso(values["last_activity_at"]),
        winRate=win_rate,
        winRatePercent=_percent(win_rate),
        tournamentWinRate=tournament_win_rate,
        tournamentWinRatePercent=_percent(tournament_win_rate),
        netEarnings=values["total_earned"] - values["total_spent"],
        podiumFinishes=t_won + values["tournaments_runner_up"] + values["tournaments_top4"],
        activeTeams=values["teams_joined"] - values["teams_left"],
    )
    return data


def _board_stats(values: dict[str, Any]) -> dict[str, Any]:
    """The stats a leaderboard row shows (bench.reads.LEADERBOARD_STATS)."""
    played = values["matches_played"]
    return {
        "tournamentsWon": values["tournaments_won"],
        "tournamentsCompleted": values["tournaments_completed"],
        "matchesPlayed": played,
        "matchesWon": values["matches_won"],
        "winRate": values["matches_won"] / played if played else 0.0,
        "netEarnings": values["total_earned"] - values["total_spent"],
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def stats_document(username: str) -> dict[str, Any]:
    columns = ", ".join(f"s.{name}" for name in STATS_COLUMNS)
    rows = _fetch(
        f"SELECT {columns} FROM auth_user u JOIN user_profile_userprofilestats s ON s.user_id = u.id "
        "WHERE u.username = %s",
        [username],
    )
    if not rows:
        return {"data": {"user": None}}
    return {"data": {"user": {"stats": _stats_json(dict(zip(STATS_COLUMNS, rows[0], strict=True)))}}}


def activities_document(username: str, first: int, after: str | None) -> dict[str, Any]:
    """The public feed (economy events are private), newest first, keyset after the cursor."""
    keyset = ""
    params: list[Any] = [username, list(ECONOMY_EVENTS)]
    if after is not None:
        cursor = ActivityCursor.decode(after)
        keyset = "AND (a.timestamp, a.id) < (%s, %s) "
        params += [cursor.timestamp, cursor.id]
    rows = _fetch(
        "SELECT a.id, a.event_type, a.timestamp, a.metadata FROM user_profile_useractivity a "
        "WHERE a.user_id = (SELECT id FROM auth_user WHERE username = %s) AND a.event_type <> ALL(%s) "
        f"{keyset}ORDER BY a.timestamp DESC, a.id DESC LIMIT %s",
        [*params, first + 1],
    )
    edges: list[dict[str, Any]] = []
    for activity_id, event_type, timestamp, metadata_text in rows[:first]:
        metadata = json.loads(metadata_text) if isinstance(metadata_text, str) else metadata_text
        amount = metadata.get("amount")
        edges.append(
            {
                "cursor": ActivityCursor(timestamp=timestamp, id=activity_id).encode(),
                "node": {
                    "id": _global_id("Activity", activity_id),
                    "eventType": event_type.upper(),
                    "timestamp": timestamp.isoformat(),
                    "metadata": metadata,
                    "amount": int(amount) if amount is not None else None,
                },
            }
        )
    cursors = [str(edge["cursor"]) for edge in edges]
    connection_json = {
        "edges": edges,
        "pageInfo": _page_info(cursors, has_next=len(rows) > first, has_previous=after is not None),
    }
    return {"data": {"user": {"activities": connection_json}}}


def tournament_history_document(username: str, first: int) -> dict[str, Any]:
    """One query: the page of registrations, their tournaments and placements, and the per-tournament counts."""
    counts = ", ".join(f"count(*) FILTER (WHERE e.event_type = '{t}') AS c{i}" for i, t in enumerate(HISTORY_COUNTED))
    counted = ", ".join(f"coalesce(c.c{i}, 0)" for i in range(len(HISTORY_COUNTED)))
    rows = _fetch(
        "WITH player AS (SELECT id FROM auth_user WHERE username = %s), "
        "page AS (SELECT a.id, a.timestamp, (a.metadata->>'tournament_id')::bigint AS tournament_id, "
        "(a.metadata->>'registration_id')::bigint AS registration_id FROM user_profile_useractivity a "
        "WHERE a.user_id = (SELECT id FROM player) AND a.event_type = 'tournament_registered' "
        "ORDER BY a.timestamp DESC, a.id DESC LIMIT %s) "
        "SELECT p.id, p.timestamp, r.registered_at, t.id, t.name, t.game, t.starts_at, "
        "(SELECT tr.placement FROM tournaments_tournamentresult tr WHERE tr.registration_id = r.id LIMIT 1), "
        f"{counted} FROM page p JOIN tournaments_registration r ON r.id = p.registration_id "
        "JOIN tournaments_tournament t ON t.id = r.tournament_id "
        f"CROSS JOIN LATERAL (SELECT {counts} FROM user_profile_useractivity e "
        "WHERE e.user_id = (SELECT id FROM player) AND e.event_type = ANY(%s) "
        "AND (e.metadata->>'tournament_id')::bigint = p.tournament_id) c "
        "ORDER BY p.timestamp DESC, p.id DESC",
        [username, first + 1, list(HISTORY_COUNTED)],
    )
    edges: list[dict[str, Any]] = []
    for row in rows[:first]:
        event_id, timestamp, registered_at, tournament_id, name, game, starts_at, placement, *numbers = row
        seen = dict(zip(HISTORY_COUNTED, numbers, strict=True))
        completed = bool(seen["tournament_completed"])
        cursor = ActivityCursor(timestamp=timestamp, id=event_id).encode()
        edges.append(
            {
                "cursor": cursor,
                "node": {
                    "registeredAt": registered_at.isoformat(),
                    "checkedIn": bool(seen["tournament_joined"]),
                    "completed": completed,
                    "placement": placement if completed else None,
                    "result": next((label for event, label in OUTCOMES if seen[event]), None),
                    "matchesPlayed": seen["match_played"],
                    "matchesWon": seen["match_won"],
                    "matchesLost": seen["match_lost"],
                    "tournament": {
                        "id": _global_id("Tournament", tournament_id),
                        "name": name,
                        "game": game,
                        "startsAt": starts_at.isoformat(),
                    },
                },
            }
        )
    cursors = [str(edge["cursor"]) for edge in edges]
    history = {"edges": edges, "pageInfo": _page_info(cursors, has_next=len(rows) > first, has_previous=False)}
    return {"data": {"user": {"tournamentHistory": history}}}


def economy_document(user_id: int, recent: int) -> dict[str, Any]:
    rows = _fetch(
        "SELECT s.total_earned, s.total_spent, t.amount, t.reason, t.reference, t.created_at "
        "FROM user_profile_userprofilestats s LEFT JOIN LATERAL (SELECT amount, reason, reference, created_at, id "
        "FROM economy_deltacrowntransaction WHERE user_id = s.user_id ORDER BY created_at DESC, id DESC LIMIT %s) t "
        "ON true WHERE s.user_id = %s ORDER BY t.created_at DESC, t.id DESC",
        [recent, user_id],
    )
    earned, spent = (rows[0][0], rows[0][1]) if rows else (0, 0)
    recent_json = [
        {"amount": amount, "reason": reason, "reference": reference, "createdAt": created_at.isoformat()}
        for _, _, amount, reason, reference, created_at in rows
        if created_at is not None
    ]
    summary = {
        "totalEarned": earned,
        "totalSpent": spent,
        "netEarnings": earned - spent,
        "recentTransactions": recent_json,
    }
    return {"data": {"me": {"economySummary": summary}}}


def leaderboard_document(first: int) -> dict[str, Any]:
    """Ranked by tournaments won, ties by user id, with the stats a leaderboard row shows."""
    columns = ", ".join(f"s.{name}" for name in STATS_COLUMNS)
    rows = _fetch(
        f"SELECT u.id, u.username, {columns} FROM user_profile_userprofilestats s "
        "JOIN auth_user u ON u.id = s.user_id ORDER BY s.tournaments_won DESC, s.user_id LIMIT %s",
        [first + 1],
    )
    edges: list[dict[str, Any]] = []
    for rank, (user_id, username, *values) in enumerate(rows[:first], start=1):
        stats = dict(zip(STATS_COLUMNS, values, strict=True))
        cursor = encode_cursor("leaderboard", ["TOURNAMENTS_WON", stats["tournaments_won"], user_id, rank])
        edges.append(
            {
                "cursor": cursor,
                "rank": rank,
                "node": {"id": _global_id("User", user_id), "username": username, "stats": _board_stats(stats)},
            }
        )
    cursors = [str(edge["cursor"]) for edge in edges]
    board = {"edges": edges, "pageInfo": _page_info(cursors, has_next=len(rows) > first, has_previous=False)}
    return {"data": {"leaderboard": board}}


def _json_view(build: Callable[[HttpRequest], dict[str, Any]]) -> Callable[[HttpRequest], Any]:
    async def view(request: HttpRequest) -> HttpResponse:
        return JsonResponse(await sync_to_async(build)(request))

    return view


async def economy_view(request: HttpRequest) -> HttpResponse:
    # The same session authentication the GraphQL endpoint does for `me`.
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse({"data": {"me": None}})
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
