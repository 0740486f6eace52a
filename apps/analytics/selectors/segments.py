"""A player's counters narrowed to a segment (a game, a season, a time window), and breakdowns by segment.

Computed on read from the activity log, in one statement per request whatever the number of players: the
counters are the stats' own aggregate (`services.stats.STATS_AGGREGATES`, the one SQL translation of which
event drives which counter) over the segment's events, and the ratios the stats model's own properties. A
player's segment reads that player's events through the user-led indexes (bounded by the player's history;
the busiest player is measured in bench/analytics_segments.py).

The game of an event is its tournament's: tournament and match events carry `metadata.tournament_id`; coin,
achievement and team events belong to no game, so they count in time segments only.
"""

import enum
import functools
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from apps.analytics.models import Season
from apps.tournaments.models import Tournament
from apps.user_profile.event_types import STORED_FIELDS
from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.selectors.rows import prepared_cursor
from apps.user_profile.services.stats import STATS_AGGREGATES

T_ACTIVITY = UserActivity._meta.db_table
T_TOURNAMENT = Tournament._meta.db_table
T_SEASON = Season._meta.db_table
# The event's tournament, as the log's (user, tournament) index spells it.
EVENT_TOURNAMENT = "((a.metadata ->> 'tournament_id'))::bigint"
MAX_GAME_LENGTH = Tournament._meta.get_field("game").max_length or 100


class SegmentError(ValueError):
    """A segment the client asked for that cannot be (a window the wrong way round, an unknown time zone)."""


class BreakdownBy(enum.Enum):
    GAME = "GAME"
    SEASON = "SEASON"
    MONTH = "MONTH"


@dataclass(frozen=True, slots=True)
class SeasonWindow:
    id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    game: str  # "" for every game

    @classmethod
    def of(cls, season: Season) -> "SeasonWindow":
        return cls(id=season.pk, name=season.name, starts_at=season.starts_at, ends_at=season.ends_at, game=season.game)


@dataclass(frozen=True, slots=True)
class Segment:
    """Which of a player's events count: all of them narrowed by each part given."""

    game: str | None = None
    season: SeasonWindow | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    @property
    def kinds(self) -> frozenset[str]:
        """The policy's segment kinds this segment is narrowed by (apps.privacy.policy.SEGMENT_AUDIENCES)."""
        kinds = set()
        if self.game is not None or (self.season is not None and self.season.game):
            kinds.add("GAME")
        if self.season is not None:
            kinds.add("SEASON")
        if self.since is not None or self.until is not None:
            kinds.add("WINDOW")
        return frozenset(kinds)


def segment_where(segment: Segment, params: dict[str, Any]) -> str:
    """The SQL condition on events `a` of the segment (parameters added to `params`); "TRUE" for none."""
    conditions = []
    games = [g for g in (segment.game, segment.season.game if segment.season else None) if g]
    for index, game in enumerate(dict.fromkeys(games)):
        params[f"game_{index}"] = game
        conditions.append(f"{EVENT_TOURNAMENT} IN (SELECT id FROM {T_TOURNAMENT} WHERE game = %(game_{index})s)")
    lower = [t for t in (segment.since, segment.season.starts_at if segment.season else None) if t is not None]
    upper = [t for t in (segment.until, segment.season.ends_at if segment.season else None) if t is not None]
    if lower:
        params["from_"] = max(lower)
        conditions.append("a.timestamp >= %(from_)s")
    if upper:
        params["to_"] = min(upper)
        conditions.append("a.timestamp < %(to_)s")
    return " AND ".join(conditions) or "TRUE"


def validate_segment(segment: Segment) -> None:
    if segment.since is not None and segment.until is not None and segment.since >= segment.until:
        raise SegmentError("`since` must be before `until`.")
    if segment.game is not None and not segment.game:
        raise SegmentError("`game` must not be empty.")


def _stats_row(user_id: int, columns: Sequence[str], row: Sequence[Any]) -> UserProfileStats:
    """An unsaved stats row holding a segment's counters: its ratios are the stats model's own properties."""
    values = dict(zip(columns, row, strict=True))
    return UserProfileStats(user_id=user_id, **{name: values[name] for name in STORED_FIELDS})


def segment_stats_of(*, user_ids: Sequence[int], segment: Segment) -> dict[int, UserProfileStats]:
    """Each player's counters over the events of `segment`, in one statement (zeros for a player without)."""
    validate_segment(segment)
    params: dict[str, Any] = {"user_ids": list(dict.fromkeys(user_ids))}
    where = segment_where(segment, params)
    sql = (
        f"SELECT u.user_id, e.* FROM unnest(%(user_ids)s::bigint[]) AS u(user_id) CROSS JOIN LATERAL "
        f"(SELECT {STATS_AGGREGATES} FROM {T_ACTIVITY} a WHERE a.user_id = u.user_id AND {where}) e"
    )
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description][1:]
        return {row[0]: _stats_row(row[0], columns, row[1:]) for row in cursor.fetchall()}


@dataclass(frozen=True, slots=True)
class BreakdownItem:
    key: str  # the game, the season's id, or the month as YYYY-MM
    label: str
    stats: UserProfileStats
    game: str | None = None
    season: SeasonWindow | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Breakdown:
    by: BreakdownBy
    segment: Segment
    time_zone: str = "UTC"
    items_by_user: dict[int, list[BreakdownItem]] = field(default_factory=dict)


@functools.cache
def _time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def time_zone_of(name: str) -> zoneinfo.ZoneInfo:
    """An IANA time zone by name; SegmentError for anything else (only the names of the time zone database:
    a file name zoneinfo would also load, such as `posixrules`, is not one PostgreSQL needs to know)."""
    try:
        if name not in _time_zone_names():
            raise ValueError(name)
        return zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError) as error:
        raise SegmentError(f"Unknown time zone {name[:64]!r}: use an IANA name such as Europe/Paris.") from error


def _month_bounds(local_month: datetime, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    start = local_month.replace(tzinfo=zone)
    following = start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)
    return start, following


def breakdown_of(
    *, user_ids: Sequence[int], by: BreakdownBy, segment: Segment, time_zone: str = "UTC", first: int | None = None
) -> dict[int, list[BreakdownItem]]:
    """Each player's counters per game / season / month (in `time_zone`) within `segment`, in one statement.

    Only segments with at least one event are listed: games by name, seasons and months newest first, at most
    `first` of them per player. Seasons may overlap, so an event can count in more than one.
    """
    validate_segment(segment)
    zone = time_zone_of(time_zone)
    params: dict[str, Any] = {"user_ids": list(dict.fromkeys(user_ids)), "tz": zone.key}
    where = segment_where(segment, params)
    if by is BreakdownBy.GAME:
        joins = f"JOIN {T_TOURNAMENT} t ON t.id = {EVENT_TOURNAMENT}"
        key = "t.game"
    elif by is BreakdownBy.SEASON:
        joins = (
            f"JOIN {T_SEASON} s ON a.timestamp >= s.starts_at AND a.timestamp < s.ends_at "
            f"LEFT JOIN {T_TOURNAMENT} t ON t.id = {EVENT_TOURNAMENT}"
        )
        where += " AND (s.game = '' OR t.game = s.game)"
        key = "s.id"
    else:
        joins = ""
        key = "date_trunc('month', a.timestamp AT TIME ZONE %(tz)s)"
    sql = (
        f"SELECT a.user_id, {key} AS segment_key, {STATS_AGGREGATES} FROM {T_ACTIVITY} a {joins} "
        f"WHERE a.user_id = ANY(%(user_ids)s::bigint[]) AND {where} GROUP BY a.user_id, segment_key"
    )
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        columns = [c.name for c in cursor.description][2:]
        rows = cursor.fetchall()
    seasons: dict[int, SeasonWindow] = {}
    if by is BreakdownBy.SEASON and rows:
        ids = {row[1] for row in rows}
        seasons = {s.pk: SeasonWindow.of(s) for s in Season.objects.filter(pk__in=ids)}
    result: dict[int, list[BreakdownItem]] = {user_id: [] for user_id in params["user_ids"]}
    for row in rows:
        user_id, segment_key = row[0], row[1]
        stats = _stats_row(user_id, columns, row[2:])
        if by is BreakdownBy.GAME:
            item = BreakdownItem(key=segment_key, label=segment_key, stats=stats, game=segment_key)
        elif by is BreakdownBy.SEASON:
            season = seasons[segment_key]
            item = BreakdownItem(
                key=str(season.id),
                label=season.name,
                stats=stats,
                game=season.game or None,
                season=season,
                starts_at=season.starts_at,
                ends_at=season.ends_at,
            )
        else:
            starts_at, ends_at = _month_bounds(segment_key, zone)
            item = BreakdownItem(
                key=f"{starts_at:%Y-%m}", label=f"{starts_at:%B %Y}", stats=stats, starts_at=starts_at, ends_at=ends_at
            )
        result[user_id].append(item)
    for items in result.values():
        if by is BreakdownBy.GAME:
            items.sort(key=lambda item: item.key)
        else:
            # Newest first; seasons starting together by id (as `seasons_list`): two stable sorts.
            items.sort(key=lambda item: int(item.key) if item.season else 0)
            items.sort(key=lambda item: item.starts_at.timestamp() if item.starts_at else 0.0, reverse=True)
        if first is not None:
            del items[first:]
    return result


def season_by_id(season_id: int) -> SeasonWindow | None:
    season = Season.objects.filter(pk=season_id).first()
    return SeasonWindow.of(season) if season is not None else None


def seasons_list(*, game: str | None = None) -> list[Season]:
    """Every season, newest first; with `game`, that game's seasons and those of every game."""
    seasons = Season.objects.all()
    if game is not None:
        seasons = seasons.filter(game__in=["", game])
    return list(seasons.order_by("-starts_at", "id"))
