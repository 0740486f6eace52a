from datetime import datetime

import strawberry

from apps.user_profile.selectors import MAX_RECENT_TRANSACTIONS, InvalidPageArgumentsError, validate_page_size
from schema.context import Info
from schema.directives import ListSize
from schema.errors import BadInputError


@strawberry.type(description="One line of the DC coin ledger (positive earns, negative spends).")
class Transaction:
    amount: int
    reason: str
    reference: str
    created_at: datetime


@strawberry.type(description="A player's DC coin totals and latest transactions (owner and staff only).")
class EconomySummary:
    user_id: strawberry.Private[int]
    total_earned: int
    total_spent: int

    @strawberry.field
    def net_earnings(self) -> int:
        return self.total_earned - self.total_spent

    @strawberry.field(
        description="Newest first; `first` at most 50.",
        directives=[
            ListSize(
                assumed_size=MAX_RECENT_TRANSACTIONS, slicing_arguments=["first"], require_one_slicing_argument=False
            )
        ],
    )
    async def recent_transactions(self, info: Info, first: int = 10) -> list[Transaction]:
        try:
            # Checked here, so one bad field never fails the batch of the other players' lines.
            validate_page_size(name="first", value=first, maximum=MAX_RECENT_TRANSACTIONS)
        except InvalidPageArgumentsError as error:
            raise BadInputError(str(error)) from error
        # Batched across all the players of this request (one query for a leaderboard's summaries).
        rows = await info.context.loaders.recent_transactions.load((self.user_id, first))
        return rows  # type: ignore[return-value]


async def economy_summary_for(*, owner_id: int, info: Info) -> EconomySummary:
    stats = await info.context.loaders.stats.load(owner_id)
    return EconomySummary(user_id=owner_id, total_earned=stats.total_earned, total_spent=stats.total_spent)
