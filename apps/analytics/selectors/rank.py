"""A player's rank and percentile on a leaderboard, and boards narrowed to a game or a season.

A board without a segment ranks every stats row (as `leaderboard_page` does, same order and ties); a board
narrowed to a segment ranks the players with at least one of the metric's events in it, from the events
(`segments.segment_where`, aggregated by the stats' own `STATS_AGGREGATES`). Either is one statement whatever
the number of players asked about, bounded by the number of players on the board, not by anyone's history.
Which rows a viewer sees is the privacy policy's (`apps.privacy.policy.segment_board_scope`); ranks and
percentiles count only those.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from apps.privacy.models import PrivacySettings
from apps.privacy.policy import DEFAULT_SETTINGS, BoardScope, Settings
from apps.user_profile.event_types import (
    COUNTER_FOR_EVENT,
    EARNED_FIELD,
    SPENT_FIELD,
)
from apps.user_profile.models import UserProfileStats
from apps.user_profile.selectors.activity import DEFAULT_PAGE_SIZE, validate_page_size
from apps.user_profile.selectors.cursors import MAX_BIGINT, InvalidCursorError, decode_cursor, encode_cursor
from apps.user_profile.selectors.leaderboard import (
    DEFAULT_WIN_RATE_MIN_MATCHES,
    METRIC_SQL,
    LeaderboardEntry,
    LeaderboardMetric,
    LeaderboardPage,
)
from apps.user_profile.selectors.rows import prepared_cursor
from apps.user_profile.services.stats import STATS_AGGREGATES

from .segments import T_ACTIVITY, Segment, segment_where, validate_segment

M = LeaderboardMetric
T_STATS = UserProfileStats._meta.db_table
T_PRIVACY = PrivacySettings._meta.db_table

# The counters each metric is computed from; on a segment board, a player with an event driving one of them
# in the segment is ranked (a match played, a tournament completed, a coin line).
METRIC_COUNTERS: dict[LeaderboardMetric, tuple[str, ...]] = {
    M.TOURNAMENTS_WON: ("tournaments_completed", "tournaments_won"),
    M.MATCHES_WON: ("matches_played", "matches_won"),
    M.WIN_RATE: ("matches_played", "matches_won"),
    M.NET_EARNINGS: (EARNED_FIELD, SPENT_FIELD),
}
CURSOR_KIND = "segment-leaderboard"
WHOLE_HISTORY = Segment()  # no narrowing: the stats rows themselves


def metric_event_types(metric: LeaderboardMetric) -> list[str]:
    counters = METRIC_COUNTERS[metric]
    return sorted(event_type for event_type, counter in COUNTER_FOR_EVENT.items() if counter in counters)


@dataclass(frozen=True, slots=True)
class PlayerRank:
    metric: LeaderboardMetric
    rank: int  # position on the board, ties ordered by user id (as the board lists them)
    value: float | int
    lower: int  # players on the board with a strictly lower value
    ranked_players: int

    @property
    def percentile(self) -> float:
        """Share of the ranked players with a lower value, in percent (ties share a percentile)."""
        return 100.0 * self.lower / self.ranked_players


@dataclass(frozen=True, slots=True)
class SegmentBoardPage:
    page: LeaderboardPage
    ranks: dict[int, PlayerRank]  # each listed player's place on this board


def _min_matches(metric: LeaderboardMetric, min_matches: int | None) -> int:
    if min_matches is None:
        min_matches = DEFAULT_WIN_RATE_MIN_MATCHES if metric is M.WIN_RATE else 0
    if min_matches < 0:
        raise ValueError(f"`minMatches` must be 0 or more, got {min_matches}.")
    return max(min_matches, 1) if metric is M.WIN_RATE else min_matches


def _board_sql(
    *, metric: LeaderboardMetric, segment: Segment, min_matches: int | None, scope: BoardScope, params: dict[str, Any]
) -> str:
    """CTEs ending in `shown (user_id, value, economy_public, activity_public)`: the rows the viewer sees."""
    validate_segment(segment)
    if segment == WHOLE_HISTORY:
        rows = f"SELECT * FROM {T_STATS}"
    else:
        params["metric_types"] = metric_event_types(metric)
        where = segment_where(segment, params)
        rows = (
            f"SELECT a.user_id, {STATS_AGGREGATES} FROM {T_ACTIVITY} a "
            f"WHERE a.event_type = ANY(%(metric_types)s) AND {where} GROUP BY a.user_id"
        )
    params["min_matches"] = _min_matches(metric, min_matches)
    params["default_economy"] = DEFAULT_SETTINGS.economy_public
    params["default_activity"] = DEFAULT_SETTINGS.activity_public
    shown = " AND ".join(f"{setting}" for setting in scope.settings) or "TRUE"
    if scope.settings and scope.viewer_id is not None:
        params["viewer_id"] = scope.viewer_id
        shown = f"({shown}) OR user_id = %(viewer_id)s"
    return (
        f"WITH rows AS ({rows}), board AS ("
        f"SELECT r.user_id, {METRIC_SQL[metric]} AS value, "
        f"COALESCE(p.economy_public, %(default_economy)s) AS economy_public, "
        f"COALESCE(p.activity_public, %(default_activity)s) AS activity_public "
        f"FROM rows r LEFT JOIN {T_PRIVACY} p ON p.user_id = r.user_id WHERE r.matches_played >= %(min_matches)s"
        f"), shown AS (SELECT * FROM board WHERE {shown})"
    )


def _value(metric: LeaderboardMetric, value: Any) -> float | int:
    return float(value) if metric is M.WIN_RATE else int(value)


def ranks_of(
    *,
    user_ids: Sequence[int],
    metric: LeaderboardMetric,
    segment: Segment = WHOLE_HISTORY,
    min_matches: int | None = None,
    scope: BoardScope,
) -> dict[int, PlayerRank | None]:
    """Each player's place on the board (None: not on it, or not shown to this viewer), in one statement."""
    params: dict[str, Any] = {"user_ids": list(dict.fromkeys(user_ids))}
    board = _board_sql(metric=metric, segment=segment, min_matches=min_matches, scope=scope, params=params)
    sql = (
        f"{board} SELECT user_id, value, rank, lower, total FROM ("
        "SELECT user_id, value, row_number() OVER (ORDER BY value DESC, user_id) AS rank, "
        "rank() OVER (ORDER BY value) - 1 AS lower, count(*) OVER () AS total FROM shown"
        ") ranked WHERE user_id = ANY(%(user_ids)s::bigint[])"
    )
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        found = {
            user_id: PlayerRank(
                metric=metric, rank=rank, value=_value(metric, value), lower=lower, ranked_players=total
            )
            for user_id, value, rank, lower, total in cursor.fetchall()
        }
    return {user_id: found.get(user_id) for user_id in params["user_ids"]}


def _segment_cursor_key(metric: LeaderboardMetric, segment: Segment) -> list[Any]:
    return [metric.value, segment.game, segment.season.id if segment.season else None]


def _decode(after: str, key: list[Any]) -> tuple[Any, int, int]:
    values = decode_cursor(CURSOR_KIND, after)
    if len(values) != len(key) + 3 or values[: len(key)] != key:
        raise InvalidCursorError(f"{key[0]} leaderboard")
    value, user_id, rank = values[len(key) :]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) and abs(v) < MAX_BIGINT for v in values[-3:])
    if not numbers or not isinstance(user_id, int) or not isinstance(rank, int) or rank < 1:
        raise InvalidCursorError(f"{key[0]} leaderboard")
    return value, user_id, rank


def segment_leaderboard_page(
    *,
    metric: LeaderboardMetric,
    segment: Segment,
    scope: BoardScope,
    first: int | None = None,
    after: str | None = None,
    min_matches: int | None = None,
) -> "SegmentBoardPage":
    """One page of the board narrowed to `segment`: highest value first, ties by lower user id; ranks count
    the rows the viewer sees. Two statements (the board, then the page's stats rows with their accounts)."""
    validate_page_size(name="first", value=first)
    size = DEFAULT_PAGE_SIZE if first is None else first
    key = _segment_cursor_key(metric, segment)
    params: dict[str, Any] = {"size": size + 1}
    board = _board_sql(metric=metric, segment=segment, min_matches=min_matches, scope=scope, params=params)
    after_sql, start_rank = "TRUE", 1
    if after is not None:
        value, user_id, rank = _decode(after, key)
        params.update(after_value=value, after_user=user_id)
        after_sql = "(value < %(after_value)s OR (value = %(after_value)s AND user_id > %(after_user)s))"
        start_rank = rank + 1
    # Each row's place on the whole board comes with it (window functions before the page's cut), so the
    # rows' `rank` fields on this board need no second ranking.
    sql = (
        f"{board} SELECT user_id, value, economy_public, activity_public, lower, total FROM ("
        "SELECT *, rank() OVER (ORDER BY value) - 1 AS lower, count(*) OVER () AS total FROM shown"
        f") ranked WHERE {after_sql} ORDER BY value DESC, user_id LIMIT %(size)s"
    )
    with prepared_cursor(connection) as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    page_rows = rows[:size]
    stats = UserProfileStats.objects.select_related("user").in_bulk([row[0] for row in page_rows])
    items = []
    ranks = {}
    for offset, (user_id, raw, economy_public, activity_public, lower, total) in enumerate(page_rows):
        value = _value(metric, raw)
        rank = start_rank + offset
        ranks[user_id] = PlayerRank(metric=metric, rank=rank, value=value, lower=lower, ranked_players=total)
        items.append(
            LeaderboardEntry(
                rank=rank,
                value=value,
                stats=stats[user_id],
                cursor=encode_cursor(CURSOR_KIND, [*key, value, user_id, rank]),
                settings=Settings(economy_public=economy_public, activity_public=activity_public),
            )
        )
    page = LeaderboardPage(
        metric=metric, items=items, has_next_page=len(rows) > size, has_previous_page=after is not None
    )
    return SegmentBoardPage(page=page, ranks=ranks)
