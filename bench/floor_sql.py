"""The SQL of the benchmark's floors and the documents built from its rows, shared by both floors.

Each benchmarked GraphQL operation has one statement here (`*_statement`: SQL text and parameters) and one
pure function that turns the statement's rows into the very JSON document the GraphQL query returns
(`*_document`). The Django floor views (bench/floor.py, the middle row: the framework's cost) run them through
Django's connection; the bare ASGI floor (bench/bare.py, the physical floor) runs them through psycopg's
async pool. This module imports no Django beyond the event types' facts (apps.user_profile.event_types:
no database, no app registry), so the bare floor pays nothing for it per request.

Rows are plain tuples in the statement's column order. A jsonb column arrives as text through Django and as a
dict through psycopg; both are accepted.
"""

import base64
import binascii
import hashlib
import hmac
import json
import zlib
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.user_profile.event_types import COIN_EVENT_TYPES, COUNTER_FIELDS, net_earnings

Statement = tuple[str, list[Any]]
Row = tuple[Any, ...]

# The tables the statements read: the models' db_table values (this module imports no Django, so they are
# written out here; bench/run.py and tests/bench/test_floor_sql.py check them against the models).
TABLES: dict[str, str] = {
    "auth.User": "auth_user",
    "user_profile.UserActivity": "user_profile_useractivity",
    "user_profile.UserProfileStats": "user_profile_userprofilestats",
    "privacy.PrivacySettings": "privacy_privacysettings",
    "tournaments.Tournament": "tournaments_tournament",
    "tournaments.Registration": "tournaments_registration",
    "tournaments.TournamentResult": "tournaments_tournamentresult",
    "economy.DeltaCrownTransaction": "economy_deltacrowntransaction",
}
USERS = TABLES["auth.User"]
ACTIVITY = TABLES["user_profile.UserActivity"]
STATS = TABLES["user_profile.UserProfileStats"]
PRIVACY = TABLES["privacy.PrivacySettings"]
TOURNAMENTS = TABLES["tournaments.Tournament"]
REGISTRATIONS = TABLES["tournaments.Registration"]
RESULTS = TABLES["tournaments.TournamentResult"]
TRANSACTIONS = TABLES["economy.DeltaCrownTransaction"]

# The stored counters, the coin events and net earnings come from the product's one definition of the event
# types' facts (a module with no database access and no app registry).
ECONOMY_EVENTS = tuple(sorted(COIN_EVENT_TYPES))
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
ACTIVITY_CURSOR = "activity"
# The privacy policy as an anonymous viewer meets it (apps/privacy/policy.py: settings absent = the defaults).
PRIVACY_JOIN = f"LEFT JOIN {PRIVACY} ps ON ps.user_id = u.id"
PRIVACY_COLUMNS = "coalesce(ps.economy_public, false), coalesce(ps.activity_public, true)"
# The metadata keys others see (policy.METADATA_KEYS): always, and when the economy is public.
PUBLIC_METADATA_KEYS = frozenset(
    {
        "tournament_id",
        "tournament_name",
        "game",
        "registration_id",
        "placement",
        "result_id",
        "match_id",
        "round",
        "opponent",
        "is_forfeit",
        "team_id",
        "team_name",
        "achievement_id",
        "achievement_code",
        "achievement_name",
    }
)
ECONOMY_METADATA_KEYS = frozenset({"prize", "amount", "reason"})
SESSION_SALT = "django.contrib.sessions.SessionStore"
AUTH_USER_ID = "_auth_user_id"


# --- the API's encodings (global ids, keyset cursors, decimals) ---


def global_id(type_name: str, pk: int) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def encode_cursor(kind: str, values: list[Any]) -> str:
    """apps.user_profile.selectors.cursors.encode_cursor."""
    raw = json.dumps([kind, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def activity_cursor(timestamp: datetime, event_id: int) -> str:
    return encode_cursor(ACTIVITY_CURSOR, [timestamp.isoformat(), event_id])


def decode_activity_cursor(cursor: str) -> tuple[datetime, int]:
    """The (timestamp, id) of an activity cursor; ValueError for anything else."""
    try:
        data = json.loads(base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error) as error:
        raise ValueError("invalid activity cursor") from error
    if not isinstance(data, list) or len(data) != 3 or data[0] != ACTIVITY_CURSOR or not isinstance(data[2], int):
        raise ValueError("invalid activity cursor")
    timestamp = datetime.fromisoformat(data[1])
    if timestamp.tzinfo is None:
        raise ValueError("invalid activity cursor")
    return timestamp, data[2]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _percent(ratio: float) -> float:
    return float(Decimal(str(ratio * 100)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def _camel(name: str) -> str:
    # strawberry's to_camel_case (the schema's field names; what the rest of the project uses), kept here because
    # the bare ASGI floor (bench/bare.py) imports this module and must not import strawberry; tests/bench checks
    # the two agree on every counter.
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _page_info(cursors: list[str], *, has_next: bool, has_previous: bool) -> dict[str, Any]:
    return {
        "hasNextPage": has_next,
        "hasPreviousPage": has_previous,
        "startCursor": cursors[0] if cursors else None,
        "endCursor": cursors[-1] if cursors else None,
    }


def _bigint(value: int) -> str:
    return str(value)


def _stats_json(values: dict[str, Any]) -> dict[str, Any]:
    played, won = values["matches_played"], values["matches_won"]
    completed, t_won = values["tournaments_completed"], values["tournaments_won"]
    win_rate = won / played if played else 0.0
    tournament_win_rate = t_won / completed if completed else 0.0
    data = {_camel(name): values[name] for name in COUNTER_FIELDS}
    data.update(totalEarned=_bigint(values["total_earned"]), totalSpent=_bigint(values["total_spent"]))
    data.update(
        firstActivityAt=_iso(values["first_activity_at"]),
        lastActivityAt=_iso(values["last_activity_at"]),
        winRate=win_rate,
        winRatePercent=_percent(win_rate),
        tournamentWinRate=tournament_win_rate,
        tournamentWinRatePercent=_percent(tournament_win_rate),
        netEarnings=_bigint(net_earnings(total_earned=values["total_earned"], total_spent=values["total_spent"])),
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
        "netEarnings": _bigint(net_earnings(total_earned=values["total_earned"], total_spent=values["total_spent"]))
        if values["economy_public"]
        else None,
    }


# --- user { stats } ---


STATS_PRIVACY_COLUMNS = ("economy_public", "activity_public", "first_public_at", "last_public_at")


def stats_statement(username: str) -> Statement:
    """The stats with the player's settings and, for a private economy, the times of the non-coin events."""
    columns = ", ".join(f"s.{name}" for name in STATS_COLUMNS)
    times = "SELECT {} FROM " + ACTIVITY + " a WHERE a.user_id = u.id AND a.event_type <> ALL(%s::text[])"
    return (
        f"SELECT {columns}, {PRIVACY_COLUMNS}, ({times.format('min(a.timestamp)')}), "
        f"({times.format('max(a.timestamp)')}) FROM {USERS} u JOIN {STATS} s "
        f"ON s.user_id = u.id {PRIVACY_JOIN} WHERE u.username = %s",
        [list(ECONOMY_EVENTS), list(ECONOMY_EVENTS), username],
    )


def stats_document(rows: list[Row]) -> dict[str, Any]:
    """As an anonymous viewer sees them: coin figures only for a public economy, activity times over the
    events the viewer may see, none for a private activity."""
    if not rows:
        return {"data": {"user": None}}
    values = dict(zip((*STATS_COLUMNS, *STATS_PRIVACY_COLUMNS), rows[0], strict=True))
    data = _stats_json(values)
    if not values["economy_public"]:
        data.update(totalEarned=None, totalSpent=None, netEarnings=None)
        data.update(firstActivityAt=_iso(values["first_public_at"]), lastActivityAt=_iso(values["last_public_at"]))
    if not values["activity_public"]:
        data.update(firstActivityAt=None, lastActivityAt=None)
    return {"data": {"user": {"stats": data}}}


# --- user { activities(first, after) }: the public feed (economy events are private), newest first ---


def activities_statement(username: str, first: int, after: str | None) -> Statement:
    """The events an anonymous viewer may see: none of a private activity, coins only of a public economy."""
    keyset = ""
    params: list[Any] = [username, list(ECONOMY_EVENTS)]
    if after is not None:
        timestamp, event_id = decode_activity_cursor(after)
        keyset = "AND (a.timestamp, a.id) < (%s, %s) "
        params += [timestamp, event_id]
    # The page is a walk of the player's feed index from the cursor (a LATERAL subquery per player): joined to
    # the player's row as a whole, PostgreSQL planned a sort of the player's history instead (13 ms a page).
    return (
        "WITH player AS (SELECT u.id, coalesce(ps.economy_public, false) AS economy, "
        f"coalesce(ps.activity_public, true) AS activity FROM {USERS} u {PRIVACY_JOIN} WHERE u.username = %s) "
        "SELECT a.id, a.event_type, a.timestamp, a.metadata, player.economy FROM player "
        f"CROSS JOIN LATERAL (SELECT a.id, a.event_type, a.timestamp, a.metadata FROM {ACTIVITY} a "
        "WHERE a.user_id = player.id AND player.activity AND (player.economy OR a.event_type <> ALL(%s)) "
        f"{keyset}ORDER BY a.timestamp DESC, a.id DESC LIMIT %s) a ORDER BY a.timestamp DESC, a.id DESC",
        [*params, first + 1],
    )


def activities_document(rows: list[Row], first: int, after: str | None) -> dict[str, Any]:
    edges: list[dict[str, Any]] = []
    for activity_id, event_type, timestamp, metadata_value, economy_public in rows[:first]:
        stored = json.loads(metadata_value) if isinstance(metadata_value, str) else metadata_value
        shown = PUBLIC_METADATA_KEYS | ECONOMY_METADATA_KEYS if economy_public else PUBLIC_METADATA_KEYS
        metadata = {key: value for key, value in stored.items() if key in shown}
        amount = metadata.get("amount")
        edges.append(
            {
                "cursor": activity_cursor(timestamp, activity_id),
                "node": {
                    "id": global_id("Activity", activity_id),
                    "eventType": event_type.upper(),
                    "timestamp": timestamp.isoformat(),
                    "metadata": metadata,
                    "amount": _bigint(int(amount)) if amount is not None else None,
                },
            }
        )
    cursors = [str(edge["cursor"]) for edge in edges]
    connection = {
        "edges": edges,
        "pageInfo": _page_info(cursors, has_next=len(rows) > first, has_previous=after is not None),
    }
    return {"data": {"user": {"activities": connection}}}


# --- user { tournamentHistory(first) }: one query for the page, tournaments, placements and counts ---


def tournament_history_statement(username: str, first: int) -> Statement:
    counts = ", ".join(f"count(*) FILTER (WHERE e.event_type = '{t}') AS c{i}" for i, t in enumerate(HISTORY_COUNTED))
    counted = ", ".join(f"coalesce(c.c{i}, 0)" for i in range(len(HISTORY_COUNTED)))
    return (
        f"WITH player AS (SELECT u.id FROM {USERS} u {PRIVACY_JOIN} WHERE u.username = %s "
        "AND coalesce(ps.activity_public, true)), "
        "page AS (SELECT a.id, a.timestamp, (a.metadata->>'tournament_id')::bigint AS tournament_id, "
        f"(a.metadata->>'registration_id')::bigint AS registration_id FROM {ACTIVITY} a "
        "WHERE a.user_id = (SELECT id FROM player) AND a.event_type = 'tournament_registered' "
        "ORDER BY a.timestamp DESC, a.id DESC LIMIT %s) "
        "SELECT p.id, p.timestamp, r.registered_at, t.id, t.name, t.game, t.starts_at, "
        f"(SELECT tr.placement FROM {RESULTS} tr WHERE tr.registration_id = r.id LIMIT 1), "
        f"{counted} FROM page p JOIN {REGISTRATIONS} r ON r.id = p.registration_id "
        f"JOIN {TOURNAMENTS} t ON t.id = r.tournament_id "
        f"CROSS JOIN LATERAL (SELECT {counts} FROM {ACTIVITY} e "
        "WHERE e.user_id = (SELECT id FROM player) AND e.event_type = ANY(%s) "
        "AND (e.metadata->>'tournament_id')::bigint = p.tournament_id) c "
        "ORDER BY p.timestamp DESC, p.id DESC",
        [username, first + 1, list(HISTORY_COUNTED)],
    )


def tournament_history_document(rows: list[Row], first: int) -> dict[str, Any]:
    edges: list[dict[str, Any]] = []
    for row in rows[:first]:
        event_id, timestamp, registered_at, tournament_id, name, game, starts_at, placement, *numbers = row
        seen = dict(zip(HISTORY_COUNTED, numbers, strict=True))
        completed = bool(seen["tournament_completed"])
        edges.append(
            {
                "cursor": activity_cursor(timestamp, event_id),
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
                        "id": global_id("Tournament", tournament_id),
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


# --- me { economySummary }: the signed-in player's totals and latest transactions ---


def economy_statement(user_id: int, recent: int) -> Statement:
    return (
        "SELECT s.total_earned, s.total_spent, t.amount, t.reason, t.reference, t.created_at "
        f"FROM {STATS} s LEFT JOIN LATERAL (SELECT amount, reason, reference, created_at, id "
        f"FROM {TRANSACTIONS} WHERE user_id = s.user_id ORDER BY created_at DESC, id DESC LIMIT %s) t "
        "ON true WHERE s.user_id = %s ORDER BY t.created_at DESC, t.id DESC",
        [recent, user_id],
    )


def economy_document(rows: list[Row]) -> dict[str, Any]:
    earned, spent = (rows[0][0], rows[0][1]) if rows else (0, 0)
    recent = [
        {"amount": _bigint(amount), "reason": reason, "reference": reference, "createdAt": created_at.isoformat()}
        for _, _, amount, reason, reference, created_at in rows
        if created_at is not None
    ]
    summary = {
        "totalEarned": _bigint(earned),
        "totalSpent": _bigint(spent),
        "netEarnings": _bigint(earned - spent),
        "recentTransactions": recent,
    }
    return {"data": {"me": {"economySummary": summary}}}


ANONYMOUS_ECONOMY: dict[str, Any] = {"data": {"me": None}}


# --- leaderboard(metric: TOURNAMENTS_WON, first) with each row's stats ---


def leaderboard_statement(first: int) -> Statement:
    columns = ", ".join(f"s.{name}" for name in STATS_COLUMNS)
    return (
        f"SELECT u.id, u.username, {columns}, coalesce(ps.economy_public, false) FROM {STATS} s "
        f"JOIN {USERS} u ON u.id = s.user_id {PRIVACY_JOIN} ORDER BY s.tournaments_won DESC, s.user_id LIMIT %s",
        [first + 1],
    )


def leaderboard_document(rows: list[Row], first: int) -> dict[str, Any]:
    """Ranked by tournaments won, ties by user id."""
    edges: list[dict[str, Any]] = []
    for rank, (user_id, username, *values) in enumerate(rows[:first], start=1):
        stats = dict(zip((*STATS_COLUMNS, "economy_public"), values, strict=True))
        cursor = encode_cursor("leaderboard", ["TOURNAMENTS_WON", stats["tournaments_won"], user_id, rank])
        edges.append(
            {
                "cursor": cursor,
                "rank": rank,
                "node": {"id": global_id("User", user_id), "username": username, "stats": _board_stats(stats)},
            }
        )
    cursors = [str(edge["cursor"]) for edge in edges]
    board = {"edges": edges, "pageInfo": _page_info(cursors, has_next=len(rows) > first, has_previous=False)}
    return {"data": {"leaderboard": board}}


# --- a Django database session, read without Django (the bare floor's sign-in) ---


def session_statement(session_key: str) -> Statement:
    return ("SELECT session_data FROM django_session WHERE session_key = %s AND expire_date > now()", [session_key])


def _b64_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature_matches(signed: str, signature: str, secret_key: str) -> bool:
    """django.core.signing.TimestampSigner(salt=SESSION_SALT).unsign, without its max_age (sessions expire in SQL)."""
    key = hashlib.sha256((SESSION_SALT + "signer" + secret_key).encode()).digest()
    expected = base64.urlsafe_b64encode(hmac.new(key, signed.encode(), hashlib.sha256).digest()).decode().rstrip("=")
    return hmac.compare_digest(expected, signature)


def session_user_id(session_data: str, secret_key: str | None = None) -> int | None:
    """The signed-in user id in a session row (django.contrib.sessions' signed JSON), or None.

    The signature is checked when the secret key is given; the session key itself is the bearer secret either
    way. Django's own check of the password hash stored in the session is left out: it is one more query the
    physical floor does not need.
    """
    payload, _, rest = session_data.partition(":")
    timestamp, _, signature = rest.partition(":")
    if not signature:
        return None
    if secret_key is not None and not _signature_matches(f"{payload}:{timestamp}", signature, secret_key):
        return None
    try:
        raw = zlib.decompress(_b64_decode(payload[1:])) if payload.startswith(".") else _b64_decode(payload)
        user_id = json.loads(raw).get(AUTH_USER_ID)
    except (ValueError, zlib.error, binascii.Error, AttributeError):
        return None
    return int(user_id) if user_id is not None else None
