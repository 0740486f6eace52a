import strawberry

from apps.analytics.models import Season as SeasonModel
from apps.analytics.selectors.rank import segment_leaderboard_page
from apps.analytics.selectors.segments import seasons_list
from apps.privacy import policy
from apps.user_profile.selectors import LeaderboardPage
from apps.user_profile.selectors.leaderboard import LeaderboardMetric as Metric
from schema.analytics.fields import MAX_GAME_LENGTH, segment_of
from schema.analytics.types import Season
from schema.context import Info
from schema.db import run_sync
from schema.directives import ListSize
from schema.errors import BadInputError

MAX_SEASONS = 100


async def segment_leaderboard(
    info: Info,
    *,
    metric: Metric,
    game: str | None,
    season: strawberry.ID | None,
    first: int | None,
    after: str | None,
    min_matches: int | None,
) -> LeaderboardPage:
    """`leaderboard(metric:, game:, season:)`: the board narrowed to a game or a season."""
    segment = await segment_of(info, game=game, season=season, since=None, until=None)
    if metric is Metric.NET_EARNINGS and "GAME" in segment.kinds:
        raise BadInputError("Coins belong to no game: NET_EARNINGS has no per-game board.")
    scope = policy.segment_board_scope(metric=metric.value, kinds=segment.kinds, viewer=info.context.viewer)
    found = await run_sync(
        segment_leaderboard_page,
        metric=metric,
        segment=segment,
        scope=scope,
        first=first,
        after=after,
        min_matches=min_matches,
    )
    # The rows' `rank` on this same board (the key User.rank asks with) is known already.
    info.context.loaders.analytics.rank.prime_many(
        {(user_id, metric, segment, min_matches, scope): rank for user_id, rank in found.ranks.items()}
    )
    return found.page


@strawberry.type
class AnalyticsQuery:
    @strawberry.field(
        description="Seasons, newest first (at most `first`, 20 by default, up to 100); with `game`, that "
        "game's seasons and those of every game.",
        directives=[ListSize(assumed_size=20, slicing_arguments=["first"], require_one_slicing_argument=False)],
    )
    async def seasons(self, info: Info, game: str | None = None, first: int = 20) -> list[Season]:
        if not 0 <= first <= MAX_SEASONS:
            raise BadInputError(f"`first` must be between 0 and {MAX_SEASONS}, got {first}.")
        if game is not None and not 0 < len(game) <= MAX_GAME_LENGTH:
            raise BadInputError(f"`game` must be a game's name of 1 to {MAX_GAME_LENGTH} characters.")
        found: list[SeasonModel] = await run_sync(seasons_list, game=game)
        return found[:first]  # type: ignore[return-value]
