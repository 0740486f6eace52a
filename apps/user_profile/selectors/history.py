"""A player's tournament history: one entry per tournament registered for, newest registration first."""

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from apps.tournaments.models import Registration, Tournament, TournamentResult
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors.activity import DEFAULT_PAGE_SIZE, validate_page_size
from apps.user_profile.selectors.cursors import ActivityCursor


class TournamentOutcome(enum.Enum):
    WON = "WON"
    RUNNER_UP = "RUNNER_UP"
    TOP4 = "TOP4"


OUTCOME_FOR_EVENT = {
    E.TOURNAMENT_WON: TournamentOutcome.WON,
    E.TOURNAMENT_RUNNER_UP: TournamentOutcome.RUNNER_UP,
    E.TOURNAMENT_TOP4: TournamentOutcome.TOP4,
}
# Events of a player inside one tournament, counted per tournament for the page in one query.
COUNTED_EVENTS = (
    E.TOURNAMENT_JOINED,
    E.TOURNAMENT_COMPLETED,
    E.TOURNAMENT_WON,
    E.TOURNAMENT_RUNNER_UP,
    E.TOURNAMENT_TOP4,
    E.MATCH_PLAYED,
    E.MATCH_WON,
    E.MATCH_LOST,
)


@dataclass(frozen=True, slots=True)
class TournamentHistoryEntry:
    tournament: Tournament
    registration_id: int
    registered_at: datetime
    checked_in: bool
    completed: bool
    placement: int | None
    result: TournamentOutcome | None
    matches_played: int
    matches_won: int
    matches_lost: int
    cursor: str


@dataclass(frozen=True, slots=True)
class TournamentHistoryPage:
    items: list[TournamentHistoryEntry]
    has_next_page: bool
    has_previous_page: bool


_TOURNAMENT_COLUMNS = (
    "id",
    "name",
    "game",
    "status",
    "format",
    "starts_at",
    "prize_pool",
    "created_at",
    "completed_at",
)


def _history_sql(*, with_cursor: bool) -> str:
    activity = UserActivity._meta.db_table
    counts = ", ".join(f"count(*) FILTER (WHERE e.event_type = '{event_type.value}')" for event_type in COUNTED_EVENTS)
    keyset = "AND (a.timestamp, a.id) < (%(after_ts)s, %(after_id)s) " if with_cursor else ""
    tournament_columns = ", ".join(f"t.{column}" for column in _TOURNAMENT_COLUMNS)
    # One statement: the page of registration events (feed index), the player's events in those
    # tournaments counted per tournament, the registration, its tournament and its placement.
    return (
        f"WITH page AS (SELECT a.id, a.timestamp, (a.metadata->>'tournament_id')::bigint AS tournament_id, "
        f"(a.metadata->>'registration_id')::bigint AS registration_id FROM {activity} a "
        f"WHERE a.user_id = %(user_id)s AND a.event_type = 'tournament_registered' {keyset}"
        "ORDER BY a.timestamp DESC, a.id DESC LIMIT %(limit)s), "
        f"counted AS (SELECT (e.metadata->>'tournament_id')::bigint AS tournament_id, {counts} FROM {activity} e "
        "WHERE e.user_id = %(user_id)s AND e.event_type = ANY(%(counted)s) "
        "AND (e.metadata->>'tournament_id')::bigint IN (SELECT tournament_id FROM page) GROUP BY 1) "
        f"SELECT p.id, p.timestamp, r.id, r.registered_at, {tournament_columns}, "
        f"(SELECT tr.placement FROM {TournamentResult._meta.db_table} tr WHERE tr.registration_id = r.id LIMIT 1), "
        f"c.* FROM page p JOIN {Registration._meta.db_table} r ON r.id = p.registration_id "
        f"JOIN {Tournament._meta.db_table} t ON t.id = r.tournament_id "
        "LEFT JOIN counted c ON c.tournament_id = p.tournament_id ORDER BY p.timestamp DESC, p.id DESC"
    )


def tournament_history_page(
    *, user_id: int, first: int | None = None, after: str | None = None
) -> TournamentHistoryPage:
    """A page of history in one query whatever its size.

    Built from the player's own events, so a team registration shows only for the members who were on the
    roster (and a team's matches and placement only for those who played them); the registration and the
    tournament come from their tables in the same statement.
    """
    validate_page_size(name="first", value=first)
    size = DEFAULT_PAGE_SIZE if first is None else first
    params: dict[str, Any] = {
        "user_id": user_id,
        "limit": size + 1,
        "counted": [event_type.value for event_type in COUNTED_EVENTS],
    }
    if after is not None:
        cursor = ActivityCursor.decode(after)
        params.update(after_ts=cursor.timestamp, after_id=cursor.id)
    with connection.cursor() as db:
        db.execute(_history_sql(with_cursor=after is not None), params)
        rows = db.fetchall()

    items = []
    width = len(_TOURNAMENT_COLUMNS)
    for row in rows[:size]:
        event_id, timestamp, registration_id, registered_at = row[:4]
        tournament = Tournament(**dict(zip(_TOURNAMENT_COLUMNS, row[4 : 4 + width], strict=True)))
        placement = row[4 + width]
        numbers = row[4 + width + 2 :]  # after the counted tournament id
        seen = {event_type: (count or 0) for event_type, count in zip(COUNTED_EVENTS, numbers, strict=False)}
        completed = bool(seen.get(E.TOURNAMENT_COMPLETED))
        items.append(
            TournamentHistoryEntry(
                tournament=tournament,
                registration_id=registration_id,
                registered_at=registered_at,
                checked_in=bool(seen.get(E.TOURNAMENT_JOINED)),
                completed=completed,
                placement=placement if completed else None,
                result=next((outcome for event, outcome in OUTCOME_FOR_EVENT.items() if seen.get(event)), None),
                matches_played=seen.get(E.MATCH_PLAYED, 0),
                matches_won=seen.get(E.MATCH_WON, 0),
                matches_lost=seen.get(E.MATCH_LOST, 0),
                cursor=ActivityCursor(timestamp=timestamp, id=event_id).encode(),
            )
        )
    return TournamentHistoryPage(items=items, has_next_page=len(rows) > size, has_previous_page=after is not None)
