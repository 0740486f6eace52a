import strawberry

from apps.api_budget.services import budget_peek, viewer_key
from schema.context import Info
from schema.db import run_sync
from schema.ratelimit.types import RateLimit


@strawberry.type
class RateLimitQuery:
    @strawberry.field(
        description="The viewer's points budget after this operation was charged (docs/api-budgets.md): the same "
        "figures as the X-RateLimit-* headers."
    )
    async def rate_limit(self, info: Info) -> RateLimit:
        context = info.context
        budget = context.budget
        if budget is None:  # executed without the HTTP layer (a script or a test): look, do not charge
            key = context.viewer_key or viewer_key(user_id=context.viewer_id, client_address="")
            budget = await run_sync(budget_peek, viewer_key=key)
        return RateLimit.from_budget(budget)
