from datetime import datetime

import strawberry

from apps.api_budget.services import Budget


@strawberry.type(description="Represents the client's rate limit.")
class RateLimit:
    limit: int = strawberry.field(
        description="The maximum number of points the client is permitted to consume in a rate limit window."
    )
    cost: int = strawberry.field(description="The point cost for the current query counting against the rate limit.")
    remaining: int = strawberry.field(description="The number of points remaining in the current rate limit window.")
    used: int = strawberry.field(description="The number of points used in the current rate limit window.")
    reset_at: datetime = strawberry.field(description="The time at which the current rate limit window resets, in UTC.")

    @classmethod
    def from_budget(cls, budget: Budget) -> "RateLimit":
        return cls(
            limit=budget.limit,
            cost=budget.cost,
            remaining=budget.remaining,
            used=budget.used,
            reset_at=budget.reset_at,
        )
