from typing import Annotated, Any

import strawberry

from apps.privacy import policy
from apps.user_profile.selectors import InvalidCursorError, InvalidPageArgumentsError, leaderboard_page
from apps.user_profile.selectors.activity import DEFAULT_PAGE_SIZE
from schema.analytics.queries import segment_leaderboard
from schema.context import Info
from schema.db import run_sync
from schema.directives import Cost, connection_size
from schema.errors import BadInputError
from schema.leaderboard.types import LeaderboardConnection, LeaderboardMetric
from schema.pagination import connection_of


@strawberry.type
class LeaderboardQuery:
    @strawberry.field(
        description="Players ranked by `metric` (at most 100 a page). WIN_RATE counts players with at least "
        "`minMatches` matches played (default 10); the other metrics default to everyone.",
        directives=[connection_size(assumed_size=DEFAULT_PAGE_SIZE)],
    )
    async def leaderboard(
        self,
        info: Info,
        metric: LeaderboardMetric,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
        min_matches: int | None = None,
        # --- Player analytics: boards narrowed to a game or a season (schema/analytics) ---
        game: Annotated[
            str | None, strawberry.argument(description="Rank within this game.", directives=[Cost(weight="10")])
        ] = None,
        season: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Rank within this season.", directives=[Cost(weight="10")]),
        ] = None,
    ) -> LeaderboardConnection:
        try:
            if game is not None or season is not None:
                page = await segment_leaderboard(
                    info,
                    metric=metric,
                    game=game,
                    season=season,
                    first=first,
                    after=after,
                    min_matches=min_matches,
                )
            else:
                # Which players this viewer may see ranked by this metric: the policy's, applied in the query.
                metric_name: str = metric.value  # type: ignore[attr-defined]
                scope = policy.leaderboard_scope(metric=metric_name, viewer=info.context.viewer)
                page = await run_sync(
                    leaderboard_page, metric=metric, first=first, after=after, min_matches=min_matches, scope=scope
                )
        except (InvalidCursorError, InvalidPageArgumentsError, ValueError) as error:
            raise BadInputError(str(error)) from error
        loaders = info.context.loaders
        # The page already holds each player's stats and account: later `stats` / `user` fields cost nothing.
        loaders.prime(loaders.stats, (entry.stats for entry in page.items), lambda stats: stats.user_id)
        loaders.prime(loaders.user, (entry.stats.user for entry in page.items), lambda user: user.pk)
        # Each row came with its player's privacy settings: the fields below need no lookup for them.
        loaders.privacy_settings.prime_many({entry.stats.user_id: entry.settings for entry in page.items})
        # The entries are the edges: LeaderboardEdge resolves its cursor, rank, node and entry from one.
        edges: list[Any] = page.items
        return connection_of(LeaderboardConnection, page, edges)
