"""Players ranked by one stats metric, paged by keyset on (value, user id)."""

import enum
from dataclasses import dataclass
from typing import Any

from django.db.models import BigIntegerField, BooleanField, F, FloatField, Q, Value
from django.db.models.expressions import Combinable, RawSQL
from django.db.models.functions import Coalesce

from apps.privacy.policy import DEFAULT_SETTINGS, LeaderboardScope, Settings
from apps.user_profile.event_types import NET_EARNINGS_SQL
from apps.user_profile.models import UserProfileStats
from apps.user_profile.selectors.activity import DEFAULT_PAGE_SIZE, validate_page_size
from apps.user_profile.selectors.cursors import MAX_BIGINT, InvalidCursorError, decode_cursor, encode_cursor


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


def _metric_expression(metric: LeaderboardMetric) -> Combinable:
    output = FloatField() if metric is LeaderboardMetric.WIN_RATE else BigIntegerField()
    return RawSQL(METRIC_SQL[metric], (), output_field=output)


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

    rows = UserProfileStats.objects.select_related("user").annotate(
        metric_value=_metric_expression(metric),
        economy_public=Coalesce(
            F("user__privacy_settings__economy_public"),
            Value(DEFAULT_SETTINGS.economy_public),
            output_field=BooleanField(),
        ),
        activity_public=Coalesce(
            F("user__privacy_settings__activity_public"),
            Value(DEFAULT_SETTINGS.activity_public),
            output_field=BooleanField(),
        ),
    )
    if scope is not None and scope.setting is not None:
        shown = Q(**{scope.setting: True})
        if scope.viewer_id is not None:
            shown |= Q(user_id=scope.viewer_id)
        rows = rows.filter(shown)
    if min_matches:
        rows = rows.filter(matches_played__gte=min_matches)
    start_rank = 1
    if after is not None:
        value, user_id, rank = _decode(after, metric)
        rows = rows.filter(Q(metric_value__lt=value) | Q(metric_value=value, user_id__gt=user_id))
        start_rank = rank + 1
    found = list(rows.order_by("-metric_value", "user_id")[: size + 1])

    items = []
    for offset, stats in enumerate(found[:size]):
        value = stats.metric_value
        if metric is not LeaderboardMetric.WIN_RATE:
            value = int(value)
        rank = start_rank + offset
        items.append(
            LeaderboardEntry(
                rank=rank,
                value=value,
                stats=stats,
                cursor=encode_cursor(CURSOR_KIND, [metric.value, value, stats.user_id, rank]),
                settings=Settings(economy_public=stats.economy_public, activity_public=stats.activity_public),
            )
        )
    return LeaderboardPage(
        metric=metric, items=items, has_next_page=len(found) > size, has_previous_page=after is not None
    )
