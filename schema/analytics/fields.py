"""The analytics fields of `User` (declared at the end of schema/users/types.py): thin resolvers that check
the arguments, ask the privacy policy and load through the request's analytics loaders."""

import dataclasses
import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from django.contrib.auth.models import User as UserModel

from apps.analytics.selectors.segments import BreakdownBy, SeasonWindow, Segment, SegmentError, time_zone_of
from apps.privacy import policy
from apps.user_profile.selectors import InvalidPageArgumentsError, feed_window, is_database_text, validate_page_size
from apps.user_profile.selectors.leaderboard import LeaderboardMetric as Metric
from schema.analytics.types import PlayerRank, SegmentStats, StatsBreakdownBy, StatsSegment, hide
from schema.context import Info
from schema.directives import Cost, ListSize
from schema.errors import BadInputError
from schema.node import pk_from_global_id
from schema.privacy.access import settings_for_visibility

if TYPE_CHECKING:
    from schema.leaderboard.types import LeaderboardMetric

MAX_BREAKDOWN = 100
DEFAULT_BREAKDOWN = 12
MAX_GAME_LENGTH = 100
# SegmentStats' GraphQL names to attribute names, for the policy's field table.
_FIELDS = {
    re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), f.python_name): f.python_name
    for f in SegmentStats.__strawberry_definition__.fields  # type: ignore[attr-defined]
}
_BY_KIND = {BreakdownBy.GAME: "GAME", BreakdownBy.SEASON: "SEASON", BreakdownBy.MONTH: "MONTH"}


async def segment_of(
    info: Info, *, game: str | None, season: strawberry.ID | None, since: datetime | None, until: datetime | None
) -> Segment:
    """The segment the arguments describe; BadInputError for any that cannot be."""
    if game is not None and not (0 < len(game) <= MAX_GAME_LENGTH and is_database_text(game)):
        raise BadInputError(f"`game` must be a game's name of 1 to {MAX_GAME_LENGTH} characters.")
    window: SeasonWindow | None = None
    if season is not None:
        found = await info.context.loaders.analytics.season.load(pk_from_global_id(season, expected_type="Season"))
        if found is None:
            raise BadInputError(f"No season has the id {season!r}: list them with `seasons`.")
        window = SeasonWindow.of(found)
    try:
        since, until = feed_window(since, until)
    except InvalidPageArgumentsError as error:
        raise BadInputError(str(error)) from error
    return Segment(game=game, season=window, since=since, until=until)


async def _hidden_fields(info: Info, owner_id: int, kinds: frozenset[str]) -> frozenset[str] | None:
    """The SegmentStats attributes the viewer may not see; None when the whole segment is hidden."""
    viewer = info.context.viewer
    if policy.sees_everything(viewer=viewer, owner_id=owner_id):
        return frozenset()
    settings = await settings_for_visibility(info, owner_id)
    if not policy.segment_visible(kinds, viewer=viewer, owner_id=owner_id, settings=settings):
        return None
    visible = policy.visible_fields("SegmentStats", viewer=viewer, owner_id=owner_id, settings=settings)
    return frozenset(_FIELDS[name] for name in _FIELDS.keys() - visible)


async def _segment_stats(
    root: UserModel,
    info: Info,
    game: str | None = None,
    season: strawberry.ID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> SegmentStats | None:
    segment = await segment_of(info, game=game, season=season, since=since, until=until)
    hidden = await _hidden_fields(info, root.pk, segment.kinds)
    if hidden is None:
        return None
    stats = await info.context.loaders.analytics.segment_stats.load((root.pk, segment))
    return hide(stats, hidden)


async def _stats_breakdown(
    root: UserModel,
    info: Info,
    by: StatsBreakdownBy,  # type: ignore[valid-type]
    game: str | None = None,
    season: strawberry.ID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    time_zone: str = "UTC",
    first: int = DEFAULT_BREAKDOWN,
) -> list[StatsSegment]:
    try:
        validate_page_size(name="first", value=first, maximum=MAX_BREAKDOWN)
        zone = time_zone_of(time_zone).key
    except (InvalidPageArgumentsError, SegmentError) as error:
        raise BadInputError(str(error)) from error
    segment = await segment_of(info, game=game, season=season, since=since, until=until)
    breakdown_by = BreakdownBy(by.value)  # type: ignore[attr-defined]
    hidden = await _hidden_fields(info, root.pk, segment.kinds | {_BY_KIND[breakdown_by]})
    if hidden is None:
        return []
    items = await info.context.loaders.analytics.breakdown.load((root.pk, breakdown_by, segment, zone, first))
    return [dataclasses.replace(item, stats=hide(item.stats, hidden)) for item in items]  # type: ignore[misc]


async def _rank(
    root: UserModel,
    info: Info,
    metric: Annotated["LeaderboardMetric", strawberry.lazy("schema.leaderboard.types")],  # type: ignore[valid-type]
    game: str | None = None,
    season: strawberry.ID | None = None,
    min_matches: int | None = None,
) -> PlayerRank | None:
    if min_matches is not None and min_matches < 0:
        raise BadInputError(f"`minMatches` must be 0 or more, got {min_matches}.")
    segment = await segment_of(info, game=game, season=season, since=None, until=None)
    metric_value = Metric(metric.value)  # type: ignore[attr-defined]
    if metric_value is Metric.NET_EARNINGS and "GAME" in segment.kinds:
        raise BadInputError("Coins belong to no game: NET_EARNINGS has no per-game board.")
    scope = policy.segment_board_scope(metric=metric_value.value, kinds=segment.kinds, viewer=info.context.viewer)
    key = (root.pk, metric_value, segment, min_matches, scope)
    return await info.context.loaders.analytics.rank.load(key)  # type: ignore[return-value]


segment_stats = strawberry.field(
    resolver=_segment_stats,
    description="The player's counters over one segment: a `game`, a `season` (by id, see `seasons`), a "
    "window (`since` inclusive, `until` exclusive), or several at once (all must hold). Narrowed by time, "
    "null unless the viewer may see the player's activity.",
    directives=[Cost(weight="2")],
)
stats_breakdown = strawberry.field(
    resolver=_stats_breakdown,
    description="The player's counters per game (by name), per season or per month in `timeZone` (IANA; newest "
    "first), within an optional segment; only segments with events, at most `first` (12, up to 100). Empty "
    "unless the viewer may see the player's activity (a breakdown by game alone: everyone).",
    directives=[
        Cost(weight="2"),
        ListSize(assumed_size=DEFAULT_BREAKDOWN, slicing_arguments=["first"], require_one_slicing_argument=False),
    ],
)
rank = strawberry.field(
    resolver=_rank,
    description="The player's rank and percentile on the `metric` board, overall or narrowed to a `game` or "
    "a `season` (as `leaderboard(metric:, game:, season:)` lists it for this viewer); null when the player is "
    "not on it.",
    directives=[Cost(weight="2")],
)
