"""The analytics types: seasons, a segment's counters, a breakdown's segments and a player's rank."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from apps.analytics.models import Season as SeasonModel
from apps.analytics.selectors.rank import PlayerRank as Rank
from apps.analytics.selectors.segments import BreakdownBy, BreakdownItem
from schema.node import to_global_id
from schema.scalars import BigInt

if TYPE_CHECKING:
    from schema.leaderboard.types import LeaderboardMetric

StatsBreakdownBy = strawberry.enum(BreakdownBy, name="StatsBreakdownBy", description="What a breakdown lists.")


@strawberry.type(description="A named period of play; a season of one game counts only that game's events.")
class Season:
    name: str
    starts_at: datetime = strawberry.field(description="Inclusive.")
    ends_at: datetime = strawberry.field(description="Exclusive.")

    @strawberry.field
    def id(root: SeasonModel) -> strawberry.ID:
        return to_global_id("Season", root.pk)

    @strawberry.field(description="The season's game; null when every game counts.")
    def game(root: SeasonModel) -> str | None:
        return root.game or None


@strawberry.type(
    description="A player's counters and ratios over the events of one segment (a game, a season, a time "
    "window): the same as `UserStats`, without the activity times. Coin figures are null unless the player "
    "made their economy public."
)
class SegmentStats:
    tournaments_registered: int
    tournaments_played: int = strawberry.field(description="Tournaments checked in to.")
    tournaments_completed: int
    tournaments_won: int
    tournaments_runner_up: int
    tournaments_top4: int
    matches_played: int
    matches_won: int
    matches_lost: int
    matches_drawn: int
    total_earned: BigInt | None = strawberry.field(description="Coins belong to no game: 0 in a game's segment.")
    total_spent: BigInt | None
    achievements_unlocked: int
    teams_joined: int
    teams_left: int
    win_rate: float = strawberry.field(description="Matches won / played, 0 with none played.")
    tournament_win_rate: float = strawberry.field(description="Tournaments won / completed.")
    net_earnings: BigInt | None
    podium_finishes: int
    active_teams: int
    win_rate_percent: float
    tournament_win_rate_percent: float


@strawberry.type(description="One segment of a breakdown with the player's counters in it.")
class StatsSegment:
    key: str = strawberry.field(description="The game, the season's id, or the month as YYYY-MM.")
    label: str = strawberry.field(description="The game, the season's name, or the month (`March 2026`).")
    game: str | None
    starts_at: datetime | None = strawberry.field(description="A season's or month's start (inclusive).")
    ends_at: datetime | None = strawberry.field(description="A season's or month's end (exclusive).")

    @strawberry.field
    def season(root: BreakdownItem) -> Season | None:
        if root.season is None:
            return None
        window = root.season
        return SeasonModel(  # type: ignore[return-value]
            pk=window.id, name=window.name, starts_at=window.starts_at, ends_at=window.ends_at, game=window.game
        )

    @strawberry.field
    def stats(root: BreakdownItem) -> SegmentStats:
        return root.stats  # type: ignore[return-value]  # what the viewer may not see: hidden by the resolver


@strawberry.type(description="A player's place on a leaderboard (overall, or narrowed to a game or a season).")
class PlayerRank:
    rank: int = strawberry.field(description="Position on the board, as `leaderboard` lists it (ties by account).")
    ranked_players: int = strawberry.field(description="Players on the board (as the viewer sees it).")
    percentile: float = strawberry.field(
        description="Share of the ranked players with a lower value, in percent (ties share it)."
    )
    value: float

    @strawberry.field
    def metric(root: Rank) -> Annotated["LeaderboardMetric", strawberry.lazy("schema.leaderboard.types")]:  # type: ignore[valid-type]
        return root.metric

    @strawberry.field(description="The value exactly, for whole-number metrics (null for WIN_RATE).")
    def integer_value(root: Rank) -> BigInt | None:
        return BigInt(root.value) if isinstance(root.value, int) else None


def hide(stats: Any, hidden: frozenset[str]) -> Any:
    """`stats` with the fields the policy hides from this viewer reading None."""
    return _Hidden(stats, hidden) if hidden else stats


class _Hidden:
    __slots__ = ("_hidden", "_stats")

    def __init__(self, stats: Any, hidden: frozenset[str]) -> None:
        self._stats = stats
        self._hidden = hidden

    def __getattr__(self, name: str) -> Any:
        return None if name in self._hidden else getattr(self._stats, name)
