from typing import Any

import strawberry
from strawberry import auto

from apps.tournaments.models import Match as MatchModel
from apps.tournaments.models import Tournament as TournamentModel
from schema.context import Info
from schema.directives import Cost
from schema.model_types import column, model_type
from schema.node import Node, to_global_id
from schema.scalars import BigInt
from schema.tournaments.enums import MatchState, TournamentFormat, TournamentStatus


@model_type(TournamentModel, description="A tournament of the platform.")
class Tournament(Node):
    name: auto
    game: auto
    starts_at: auto
    completed_at: auto
    prize_pool: BigInt = column(description="In DC coins.")

    @strawberry.field
    def status(root: TournamentModel) -> TournamentStatus:  # type: ignore[valid-type]
        return TournamentStatus(root.status)

    @strawberry.field
    def format(root: TournamentModel) -> TournamentFormat:  # type: ignore[valid-type]
        return TournamentFormat(root.format)

    @strawberry.field
    def id(root: TournamentModel) -> strawberry.ID:  # type: ignore[override]
        return to_global_id("Tournament", root.pk)

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, TournamentModel)


@model_type(MatchModel, description="A match between two participants of a tournament.")
class Match(Node):
    round: auto
    is_forfeit: auto
    completed_at: auto

    @strawberry.field
    def state(root: MatchModel) -> MatchState:  # type: ignore[valid-type]
        return MatchState(root.state)

    @strawberry.field
    def id(root: MatchModel) -> strawberry.ID:  # type: ignore[override]
        return to_global_id("Match", root.pk)

    @strawberry.field(directives=[Cost(weight="1")])
    async def tournament(root: MatchModel, info: Info) -> Tournament | None:
        return await info.context.loaders.tournament.load(root.tournament_id)  # type: ignore[return-value]

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, MatchModel)
