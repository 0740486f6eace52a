"""The viewer's points budget, charged with an operation's cost before it runs (docs/api-budgets.md)."""

import logging
from collections.abc import MutableMapping
from typing import Any

from redis.exceptions import RedisError

from apps.api_budget.client_address import client_address
from apps.api_budget.services import Budget, budget_charge_async, viewer_key
from schema.http.errors import HttpError

logger = logging.getLogger("deltacrown.api")


def budget_key(*, scope: MutableMapping[str, Any], headers: dict[str, str], user_id: int | None) -> str:
    peer = scope["client"][0] if scope.get("client") else None
    return viewer_key(user_id=user_id, client_address=client_address(peer=peer, headers=headers))


async def budget_charge_or_refuse(*, key: str, cost: int) -> Budget | None:
    """The budget after charging `cost`; HttpError 429 RATE_LIMITED when it does not fit.

    None when the budget store does not answer: the request is then served unmetered (and logged), since
    refusing every client because Redis is down would turn a monitoring gap into an outage.
    """
    try:
        # On the event loop (an asyncio Redis client): no thread hop, and never queued behind the ORM's thread.
        budget = await budget_charge_async(viewer_key=key, cost=cost)
    except RedisError:
        logger.error("The budget store did not answer: serving the request unmetered.", exc_info=True)
        return None
    if budget.exceeded:
        raise HttpError(
            status=429,
            message=(
                f"Rate limit exceeded: this operation costs {cost:,} points and {budget.remaining:,} of "
                f"{budget.limit:,} remain until {budget.reset_at.isoformat()}."
            ),
            code="RATE_LIMITED",
            headers={"retry-after": str(budget.retry_after_seconds), **rate_limit_headers(budget)},
            extensions={"rateLimit": rate_limit_extension(budget)},
        )
    return budget


def rate_limit_headers(budget: Budget) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(budget.limit),
        "x-ratelimit-remaining": str(budget.remaining),
        "x-ratelimit-used": str(budget.used),
        "x-ratelimit-reset": str(int(budget.reset_at.timestamp())),
    }


def rate_limit_extension(budget: Budget) -> dict[str, Any]:
    return {
        "limit": budget.limit,
        "cost": budget.cost,
        "remaining": budget.remaining,
        "used": budget.used,
        "resetAt": budget.reset_at.isoformat(),
    }
