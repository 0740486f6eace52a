"""The GraphQL schema: per-domain queries and mutations merged into one Query and one Mutation."""

import strawberry
from strawberry.tools import merge_types

from schema.extensions import schema_extensions
from schema.leaderboard.queries import LeaderboardQuery
from schema.reconcile.mutations import ReconcileMutation
from schema.scalars import SCALAR_OVERRIDES
from schema.tournaments.types import Match, Tournament
from schema.users.queries import UserQuery
from schema.users.types import Activity, User

Query = merge_types("Query", (UserQuery, LeaderboardQuery))
Mutation = merge_types("Mutation", (ReconcileMutation,))

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    types=[User, Activity, Tournament, Match],
    extensions=schema_extensions(),
    scalar_overrides=SCALAR_OVERRIDES,  # type: ignore[arg-type]
)

__all__ = ["schema"]
