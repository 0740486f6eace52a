from datetime import datetime
from typing import Any

import strawberry

from apps.tournaments.models import Match as MatchModel
from apps.tournaments.models import Tournament as TournamentModel
from schema.context import Info
from schema.directives import Cost
from schema.node import Node, to_global_id
from schema.scalars import BigInt
from schema.tournaments.enums import MatchState, TournamentFormat, TournamentStatus


@strawberry.type(description="A tournament of the platform.")
class Tournament(Node):
    name: str
    game: str
    starts_at: datetime
    completed_at: datetime | None
    prize_pool: BigInt = strawberry.field(description="In DC coins.")

    @strawberry.field
    def status(root: TournamentModel) -> TournamentStatus:  # type: ignore[valid-type]
        return TournamentStatus(root.status)

    @strawberry.field
    def format(root: TournamentModel) -> TournamentFormat:  # type: ignore[valid-type]
        return TournamentFormat(root.format)

    @strawberry.field  # type: ignore[misc]
    def id(root: TournamentModel) -> strawberry.ID:  # type: ignore[override]
        return to_global_id("Tournament", root.pk)

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, TournamentModel)


@strawberry.type(description="A match between two participants of a tournament.")
class Match(Node):
    round: int
    is_forfeit: bool
    completed_at: datetime | None

    @strawberry.field
    def state(root: MatchModel) -> MatchState:  # type: ignore[valid-type]
        return MatchState(root.state)

    @strawberry.field  # type: ignore[misc]
    def id(root: MatchModel) -> strawberry.ID:  # type: ignore[override]
        return to_global_id("Match", root.pk)

    @strawberry.field(directives=[Cost(weight="1")])
    async def tournament(root: MatchModel, info: Info) -> Tournament | None:
        return await info.context.loaders.tournament.load(root.tournament_id)  # type: ignore[return-value]

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, MatchModel)
