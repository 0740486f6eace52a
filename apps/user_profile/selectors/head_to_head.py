"""Head-to-head between two players: the matches they played on opposite sides, read from their match events.

A meeting is a match for which both players have an outcome event (match_won / match_lost / match_drawn, one
per player and match: services/sources.py) and were not on the same side. Teammates share the side's team id
in their events' metadata (a solo side has none), so "not the same team" is "opposite sides"; players on both
rosters of a match get no event at all, so they never meet in it. Figures are from player A's side.

Bounded by the smaller history: the statement walks the outcome events of the player with fewer matches
(`activity_user_type` index) and probes the other player's event for the same match through the unique key
(user, source_model, source_id, event_type): no new index, and never a scan of the busier player's log.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from apps.tournaments.models import Match
from apps.user_profile.event_types import ActivityEventType as E
from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.selectors.activity import DEFAULT_PAGE_SIZE, validate_page_size
from apps.user_profile.selectors.cursors import (
    MAX_BIGINT,
    InvalidCursorError,
    decode_cursor,
    encode_cursor,
)
from apps.user_profile.selectors.inputs import InvalidDateTimeError, database_datetime
from apps.user_profile.selectors.rows import prepared_cursor

# The outcome events of a match, and what each is from its player's side.
OUTCOME_EVENT_TYPES: tuple[str, ...] = (E.MATCH_WON.value, E.MATCH_LOST.value, E.MATCH_DRAWN.value)
MATCH_SOURCE = Match._meta.label_lower


class SamePlayerError(ValueError):
    """Head-to-head needs two different players."""


@dataclass(frozen=True, slots=True)
class MeetingCursor:
    """Position in a newest-first list of meetings: the (completed at, match id) of a meeting."""

    completed_at: datetime
    match_id: int

    KIND = "meeting"

    def encode(self) -> str:
        return encode_cursor(self.KIND, [self.completed_at.isoformat(), self.match_id])

    @classmethod
    def decode(cls, cursor: str) -> "MeetingCursor":
        values = decode_cursor(cls.KIND, cursor)
        try:
            text, match_id = values
            completed_at = database_datetime(datetime.fromisoformat(text))
        except (TypeError, ValueError, InvalidDateTimeError) as error:
            raise InvalidCursorError(cls.KIND) from error
        if not isinstance(match_id, int) or isinstance(match_id, bool) or not 0 <= match_id < MAX_BIGINT:
            raise InvalidCursorError(cls.KIND)
        return cls(completed_at=completed_at, match_id=match_id)


@dataclass(frozen=True, slots=True)
class HeadToHeadRecord:
    """A's record against B."""

    player_a_id: int
    player_b_id: int
    played: int
    won: int
    lost: int
    drawn: int


@dataclass(frozen=True, slots=True)
class Meeting:
    match_id: int
    tournament_id: int | None
    completed_at: datetime
    outcome: str  # A's outcome event type: match_won / match_lost / match_drawn

    @property
    def cursor(self) -> str:
        return MeetingCursor(completed_at=self.completed_at, match_id=self.match_id).encode()


@dataclass(frozen=True, slots=True)
class MeetingPage:
    items: list[Meeting]
    has_next_page: bool
    has_previous_page: bool


_TABLE = UserActivity._meta.db_table

# d: the outcome events of the driving player (the one with fewer matches), o: the other player's outcome
# event for the same match. %(a)s is player A: the outcome is read from A's event, whichever side drives.
_MEETINGS = f"""
    FROM {_TABLE} d
    JOIN {_TABLE} o ON o.user_id = %(other)s AND o.source_model = %(source)s AND o.source_id = d.source_id
                   AND o.event_type = ANY(%(outcomes)s)
    WHERE d.user_id = %(driver)s AND d.event_type = ANY(%(outcomes)s) AND d.source_model = %(source)s
      AND NOT (d.metadata ? 'team_id' AND o.metadata -> 'team_id' = d.metadata -> 'team_id')
"""
_A_OUTCOME = "CASE WHEN d.user_id = %(a)s THEN d.event_type ELSE o.event_type END"

# Every meeting, newest first: the record and any page of meetings come from this one statement.
MEETINGS_SQL = f"""
    SELECT d.source_id, (d.metadata ->> 'tournament_id')::bigint, d.timestamp, {_A_OUTCOME} {_MEETINGS}
    ORDER BY d.timestamp DESC, d.source_id DESC
"""


# Matches played by each of the two (the stats row; a player without one has played none). Raw SQL: compiling
# the queryset cost more than running it.
_STATS_TABLE = UserProfileStats._meta.db_table
_PLAYED_SQL = f"SELECT user_id, matches_played FROM {_STATS_TABLE} WHERE user_id = ANY(%s)"


def _check_pair(player_a_id: int, player_b_id: int) -> None:
    if player_a_id == player_b_id:
        raise SamePlayerError("Head-to-head needs two different players.")


def head_to_head_driver(*, player_a_id: int, player_b_id: int) -> int:
    """The player of the two with fewer matches played (their outcome events are the ones walked)."""
    _check_pair(player_a_id, player_b_id)
    with prepared_cursor(connection) as cursor:
        cursor.execute(_PLAYED_SQL, [[player_a_id, player_b_id]])
        played = dict(cursor.fetchall())
    return player_b_id if played.get(player_b_id, 0) < played.get(player_a_id, 0) else player_a_id


def _params(*, player_a_id: int, player_b_id: int, driver_id: int) -> dict[str, Any]:
    return {
        "a": player_a_id,
        "driver": driver_id,
        "other": player_b_id if driver_id == player_a_id else player_a_id,
        "source": MATCH_SOURCE,
        "outcomes": list(OUTCOME_EVENT_TYPES),
    }


@dataclass(frozen=True, slots=True)
class HeadToHeadHistory:
    """Every meeting of A and B, newest first, read in one statement; the record and pages derive from it."""

    player_a_id: int
    player_b_id: int
    meetings: list[Meeting]

    @property
    def record(self) -> HeadToHeadRecord:
        outcomes = [meeting.outcome for meeting in self.meetings]
        won, lost, drawn = (outcomes.count(t) for t in OUTCOME_EVENT_TYPES)
        return HeadToHeadRecord(
            player_a_id=self.player_a_id,
            player_b_id=self.player_b_id,
            played=len(outcomes),
            won=won,
            lost=lost,
            drawn=drawn,
        )

    def page(self, *, first: int | None = None, after: str | None = None) -> MeetingPage:
        """The meetings after the cursor (keyset on (completed at, match id)): a match completed while a client
        pages lands before its first page and never shifts a later one."""
        validate_page_size(name="first", value=first)
        cursor_at = MeetingCursor.decode(after) if after is not None else None
        size = DEFAULT_PAGE_SIZE if first is None else first
        older = (
            [m for m in self.meetings if (m.completed_at, m.match_id) < (cursor_at.completed_at, cursor_at.match_id)]
            if cursor_at is not None
            else self.meetings
        )
        return MeetingPage(items=older[:size], has_next_page=len(older) > size, has_previous_page=cursor_at is not None)


def head_to_head_history(*, player_a_id: int, player_b_id: int, driver_id: int | None = None) -> HeadToHeadHistory:
    """A's meetings with B (one statement, plus the driver choice unless given)."""
    _check_pair(player_a_id, player_b_id)
    if driver_id is None:
        driver_id = head_to_head_driver(player_a_id=player_a_id, player_b_id=player_b_id)
    with prepared_cursor(connection) as cursor:
        cursor.execute(MEETINGS_SQL, _params(player_a_id=player_a_id, player_b_id=player_b_id, driver_id=driver_id))
        rows = cursor.fetchall()
    meetings = [
        Meeting(match_id=match_id, tournament_id=tournament_id, completed_at=at, outcome=outcome)
        for match_id, tournament_id, at, outcome in rows
    ]
    return HeadToHeadHistory(player_a_id=player_a_id, player_b_id=player_b_id, meetings=meetings)


def head_to_head_record(*, player_a_id: int, player_b_id: int, driver_id: int | None = None) -> HeadToHeadRecord:
    """A's matches against B: played, won, lost and drawn."""
    return head_to_head_history(player_a_id=player_a_id, player_b_id=player_b_id, driver_id=driver_id).record


def head_to_head_meetings(
    *,
    player_a_id: int,
    player_b_id: int,
    first: int | None = None,
    after: str | None = None,
    driver_id: int | None = None,
) -> MeetingPage:
    """The latest meetings, newest first, keyset-paged on (completed at, match id)."""
    # Arguments first: a bad page size or cursor costs no query.
    validate_page_size(name="first", value=first)
    if after is not None:
        MeetingCursor.decode(after)
    history = head_to_head_history(player_a_id=player_a_id, player_b_id=player_b_id, driver_id=driver_id)
    return history.page(first=first, after=after)
