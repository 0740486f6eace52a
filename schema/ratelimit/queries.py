from collections.abc import Mapping
from typing import Annotated, Any

import strawberry
from asgiref.sync import sync_to_async

from apps.api_budget.client_address import client_address
from apps.api_budget.services import Budget, budget_peek, viewer_key
from schema.context import Context, Info
from schema.ratelimit.types import RateLimit


def _peek(context: Context) -> Budget:
    """The viewer's budget when no HTTP layer charged one (e.g. schema.execute in a test or a script)."""
    request: Any = context.request
    meta: Mapping[str, Any] = getattr(request, "META", None) or {}
    headers: Mapping[str, str] = getattr(request, "headers", None) or {}
    address = client_address(peer=meta.get("REMOTE_ADDR"), headers=headers)
    return budget_peek(viewer_key=viewer_key(user_id=context.viewer_id, client_address=address))


@strawberry.type
class RateLimitQuery:
    @strawberry.field(description="The client's rate limit information.")
    async def rate_limit(
        self,
        info: Info,
        dry_run: Annotated[
            bool,
            strawberry.argument(
                description="If true, calculate the cost for the query without charging it to the rate limit."
            ),
        ] = False,
    ) -> RateLimit:
        budget = info.context.budget
        if budget is None:
            budget = await sync_to_async(_peek)(info.context)
        return RateLimit.from_budget(budget)
