"""Players ranked by one stats metric, paged by keyset on (value, user id)."""

import enum
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth.models import User
from django.db import connection

from apps.privacy.models import PrivacySettings
from apps.privacy.policy import DEFAULT_SETTINGS, LeaderboardScope, Settings
from apps.user_profile.event_types import NET_EARNINGS_SQL
from apps.user_profile.models import UserProfileStats
from apps.user_profile.selectors.activity import DEFAULT_PAGE_SIZE, validate_page_size
from apps.user_profile.selectors.cursors import MAX_BIGINT, InvalidCursorError, decode_cursor, encode_cursor
from apps.user_profile.selectors.rows import column_count, model_columns, model_of, prepared_cursor
from config.db_router import read_connection


class LeaderboardMetric(enum.Enum):
    TOURNAMENTS_WON = "TOURNAMENTS_WON"
    MATCHES_WON = "MATCHES_WON"
    WIN_RATE = "WIN_RATE"
    NET_EARNINGS = "NET_EARNINGS"


# Without a threshold a player with one lucky match would top the win-rate board.
DEFAULT_WIN_RATE_MIN_MATCHES = 10
CURSOR_KIND = "leaderboard"


@dataclass(frozen=True, slots=True)
class LeaderboardEntry:
    rank: int
    value: float | int
    stats: UserProfileStats  # with its user loaded
    cursor: str
    settings: Settings  # the player's privacy settings (read with the row: no lookup per row later)


@dataclass(frozen=True, slots=True)
class LeaderboardPage:
    metric: LeaderboardMetric
    items: list[LeaderboardEntry]
    has_next_page: bool
    has_previous_page: bool


# Each metric over the counter columns of a board row: a stats row here, a segment's aggregate on the
# analytics boards (apps/analytics/selectors/rank.py), which rank by the same expressions.
METRIC_SQL: dict[LeaderboardMetric, str] = {
    LeaderboardMetric.TOURNAMENTS_WON: "tournaments_won",
    LeaderboardMetric.MATCHES_WON: "matches_won",
    # Boards rank WIN_RATE with at least one match played (min_matches >= 1), so the division is defined.
    LeaderboardMetric.WIN_RATE: "matches_won::float8 / matches_played::float8",
    LeaderboardMetric.NET_EARNINGS: NET_EARNINGS_SQL,
}


# The privacy settings each row carries, as the policy reads them (absent settings are the defaults).
SETTINGS_READ = ("economy_public", "activity_public")


def _setting_sql(name: str) -> str:
    """A player's privacy setting on a board row: their own, else the default."""
    if name not in SETTINGS_READ:
        raise ValueError(f"Not a board setting: {name}")
    default = "TRUE" if getattr(DEFAULT_SETTINGS, name) else "FALSE"
    return f"COALESCE(p.{name}, {default})"


@cache
def _board_sql(metric: LeaderboardMetric, where: str) -> str:
    """The board's statement: stats and account columns (as rows.model_of reads them), the metric, the
    settings, ranked by the metric then the older account."""
    quote = connection.ops.quote_name
    stats, users = UserProfileStats._meta.db_table, User._meta.db_table
    privacy = PrivacySettings._meta.db_table
    return (
        f"SELECT {model_columns(UserProfileStats, alias='s')}, {model_columns(User, alias='u')}, "
        f"({METRIC_SQL[metric]}) AS metric_value, {', '.join(_setting_sql(name) for name in SETTINGS_READ)} "
        f"FROM {quote(stats)} s JOIN {quote(users)} u ON u.id = s.user_id "
        f"LEFT JOIN {quote(privacy)} p ON p.user_id = s.user_id "
        f"WHERE {where} ORDER BY metric_value DESC, s.user_id ASC LIMIT %(limit)s"
    )


def _decode(after: str, metric: LeaderboardMetric) -> tuple[Any, int, int]:
    values = decode_cursor(CURSOR_KIND, after)
    if len(values) != 4 or values[0] != metric.value:
        raise InvalidCursorError(f"{metric.value} leaderboard")
    _, value, user_id, rank = values
    numbers_ok = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (value, user_id, rank))
    in_range = numbers_ok and all(abs(v) < MAX_BIGINT for v in (value, user_id, rank))
    if not in_range or not isinstance(user_id, int) or not isinstance(rank, int) or rank < 1:
        raise InvalidCursorError(f"{metric.value} leaderboard")
    return value, user_id, rank


def leaderboard_page(
    *,
    metric: LeaderboardMetric,
    first: int | None = None,
    after: str | None = None,
    min_matches: int | None = None,
    scope: LeaderboardScope | None = None,
) -> LeaderboardPage:
    """One page of the board in one query: highest value first, ties by lower user id (oldest account).

    Ranks are positions on the board (1, 2, 3 …, ties ordered by user id), carried in the cursor so deep
    pages need no count. Only players with at least `min_matches` matches played are ranked (default 10
    for WIN_RATE, 0 otherwise). `scope` (apps.privacy.policy.leaderboard_scope) says which players the
    viewer may see on this board: ranks count only those.
    """
    validate_page_size(name="first", value=first)
    size = DEFAULT_PAGE_SIZE if first is None else first
    if min_matches is None:
        min_matches = DEFAULT_WIN_RATE_MIN_MATCHES if metric is LeaderboardMetric.WIN_RATE else 0
    if min_matches < 0:
        raise ValueError(f"`minMatches` must be 0 or more, got {min_matches}.")
    if metric is LeaderboardMetric.WIN_RATE:
        min_matches = max(min_matches, 1)

    conditions: list[str] = []
    params: dict[str, Any] = {"limit": size + 1}
    if scope is not None and scope.setting is not None:
        viewer_row = " OR s.user_id = %(viewer)s" if scope.viewer_id is not None else ""
        conditions.append(_setting_sql(scope.setting) + viewer_row)
        params["viewer"] = scope.viewer_id
    if min_matches:
        conditions.append("s.matches_played >= %(min_matches)s")
        params["min_matches"] = min_matches
    start_rank = 1
    if after is not None:
        value, user_id, start_rank = _decode(after, metric)
        start_rank += 1
        metric_sql = METRIC_SQL[metric]
        conditions.append(f"({metric_sql}) < %(value)s OR (({metric_sql}) = %(value)s AND s.user_id > %(after_user)s)")
        params.update(value=value, after_user=user_id)
    sql = _board_sql(metric, " AND ".join(f"({condition})" for condition in conditions) or "TRUE")
    # Prepared: the statement is the same for every page of a board, only its parameters change.
    with prepared_cursor(read_connection()) as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()

    items = []
    stats_width, user_width = column_count(UserProfileStats), column_count(User)
    for offset, row in enumerate(found[:size]):
        stats = model_of(UserProfileStats, row[:stats_width])
        stats.user = model_of(User, row[stats_width : stats_width + user_width])
        value, *shown = row[stats_width + user_width :]
        if metric is not LeaderboardMetric.WIN_RATE:
            value = int(value)
        rank = start_rank + offset
        items.append(
            LeaderboardEntry(
                rank=rank,
                value=value,
                stats=stats,
                cursor=encode_cursor(CURSOR_KIND, [metric.value, value, stats.user_id, rank]),
                settings=Settings(**dict(zip(SETTINGS_READ, shown, strict=True))),
            )
        )
    return LeaderboardPage(
        metric=metric, items=items, has_next_page=len(found) > size, has_previous_page=after is not None
    )
