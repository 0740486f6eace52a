"""A player's tournament history: one entry per tournament registered for, newest registration first."""

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apps.tournaments.models import Registration, Tournament, TournamentResult
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors.activity import DEFAULT_PAGE_SIZE, validate_page_size
from apps.user_profile.selectors.cursors import ActivityCursor
from apps.user_profile.selectors.rows import prepared_cursor
from config.db_router import read_connection


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
    # One statement for any number of players: each player's page of registration events (a LATERAL walk of
    # their feed index), then for each entry the player's events in that tournament counted through the
    # (user, tournament) index, the registration, its tournament and its placement.
    return (
        "WITH page AS (SELECT owner.id AS user_id, a.id, a.timestamp, a.tournament_id, a.registration_id "
        "FROM unnest(%(user_ids)s::bigint[]) AS owner(id) CROSS JOIN LATERAL ("
        "SELECT a.id, a.timestamp, (a.metadata->>'tournament_id')::bigint AS tournament_id, "
        f"(a.metadata->>'registration_id')::bigint AS registration_id FROM {activity} a "
        f"WHERE a.user_id = owner.id AND a.event_type = 'tournament_registered' {keyset}"
        "ORDER BY a.timestamp DESC, a.id DESC LIMIT %(limit)s) a) "
        f"SELECT p.user_id, p.id, p.timestamp, r.id, r.registered_at, {tournament_columns}, "
        f"(SELECT tr.placement FROM {TournamentResult._meta.db_table} tr WHERE tr.registration_id = r.id LIMIT 1), "
        f"p.tournament_id, c.* FROM page p JOIN {Registration._meta.db_table} r ON r.id = p.registration_id "
        f"JOIN {Tournament._meta.db_table} t ON t.id = r.tournament_id "
        f"CROSS JOIN LATERAL (SELECT {counts} FROM {activity} e WHERE e.user_id = p.user_id "
        "AND (e.metadata->>'tournament_id')::bigint = p.tournament_id AND e.event_type = ANY(%(counted)s)) c "
        "ORDER BY p.user_id, p.timestamp DESC, p.id DESC"
    )


@dataclass(frozen=True, slots=True)
class _HistoryRow:
    event_id: int
    timestamp: datetime
    registration_id: int
    registered_at: datetime
    tournament: Tournament
    placement: int | None
    seen: dict[str, int]


def _rows_postgresql(*, user_ids: list[int], limit: int, after: ActivityCursor | None) -> dict[int, list[_HistoryRow]]:
    params: dict[str, Any] = {
        "user_ids": user_ids,
        "limit": limit,
        "counted": [event_type.value for event_type in COUNTED_EVENTS],
    }
    if after is not None:
        params.update(after_ts=after.timestamp, after_id=after.id)
    with prepared_cursor(read_connection()) as db:
        db.execute(_history_sql(with_cursor=after is not None), params)
        rows = db.fetchall()
    width = len(_TOURNAMENT_COLUMNS)
    result: dict[int, list[_HistoryRow]] = {user_id: [] for user_id in user_ids}
    for user_id, *row in rows:
        numbers = row[4 + width + 2 :]  # after the counted tournament id
        result[user_id].append(
            _HistoryRow(
                event_id=row[0],
                timestamp=row[1],
                registration_id=row[2],
                registered_at=row[3],
                tournament=Tournament(**dict(zip(_TOURNAMENT_COLUMNS, row[4 : 4 + width], strict=True))),
                placement=row[4 + width],
                seen={event_type: (count or 0) for event_type, count in zip(COUNTED_EVENTS, numbers, strict=False)},
            )
        )
    return result


def _page(rows: list[_HistoryRow], *, size: int, after: ActivityCursor | None) -> TournamentHistoryPage:
    items = []
    for row in rows[:size]:
        completed = bool(row.seen.get(E.TOURNAMENT_COMPLETED))
        items.append(
            TournamentHistoryEntry(
                tournament=row.tournament,
                registration_id=row.registration_id,
                registered_at=row.registered_at,
                checked_in=bool(row.seen.get(E.TOURNAMENT_JOINED)),
                completed=completed,
                placement=row.placement if completed else None,
                result=next((outcome for event, outcome in OUTCOME_FOR_EVENT.items() if row.seen.get(event)), None),
                matches_played=row.seen.get(E.MATCH_PLAYED, 0),
                matches_won=row.seen.get(E.MATCH_WON, 0),
                matches_lost=row.seen.get(E.MATCH_LOST, 0),
                cursor=ActivityCursor(timestamp=row.timestamp, id=row.event_id).encode(),
            )
        )
    return TournamentHistoryPage(items=items, has_next_page=len(rows) > size, has_previous_page=after is not None)


def tournament_history_pages(
    *, user_ids: Iterable[int], first: int | None = None, after: ActivityCursor | None = None
) -> dict[int, TournamentHistoryPage]:
    """The same page (`first` entries after `after`) of each player's history, in one query for them all.

    Built from the player's own events, so a team registration shows only for the members who were on the
    roster (and a team's matches and placement only for those who played them); the registration and the
    tournament come from their tables in the same statement. Pages of a leaderboard's players share it.
    """
    validate_page_size(name="first", value=first)
    size = DEFAULT_PAGE_SIZE if first is None else first
    owners = list(dict.fromkeys(user_ids))
    rows = _rows_postgresql(user_ids=owners, limit=size + 1, after=after)
    return {user_id: _page(rows[user_id], size=size, after=after) for user_id in owners}


def tournament_history_page(
    *, user_id: int, first: int | None = None, after: str | None = None
) -> TournamentHistoryPage:
    """A page of one player's history in one query whatever its size (see tournament_history_pages)."""
    validate_page_size(name="first", value=first)
    cursor = ActivityCursor.decode(after) if after is not None else None
    return tournament_history_pages(user_ids=[user_id], first=first, after=cursor)[user_id]
