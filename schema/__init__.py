"""The GraphQL schema: per-domain queries and mutations merged into one Query and one Mutation.

It is executed by schema.execution (limits, caches, error codes), served over HTTP by schema.http."""

import strawberry
from strawberry.tools import merge_types

from schema.analytics.queries import AnalyticsQuery
from schema.enums import enums_output_by_lookup
from schema.leaderboard.queries import LeaderboardQuery
from schema.privacy.mutations import PrivacyMutation
from schema.ratelimit.queries import RateLimitQuery
from schema.realtime.subscriptions import Subscription
from schema.reconcile.mutations import ReconcileMutation
from schema.scalars import SCALAR_OVERRIDES
from schema.social.queries import SocialQuery
from schema.tournaments.types import Match, Tournament
from schema.users.queries import UserQuery
from schema.users.types import Activity, User

Query = merge_types("Query", (UserQuery, LeaderboardQuery, RateLimitQuery, AnalyticsQuery, SocialQuery))
Mutation = merge_types("Mutation", (ReconcileMutation, PrivacyMutation))

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    types=[User, Activity, Tournament, Match],
    scalar_overrides=SCALAR_OVERRIDES,  # type: ignore[arg-type]
)
enums_output_by_lookup(schema._schema)

__all__ = ["schema"]
