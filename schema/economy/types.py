from datetime import datetime

import strawberry

from apps.user_profile.event_types import net_earnings
from apps.user_profile.selectors import MAX_RECENT_TRANSACTIONS, InvalidPageArgumentsError, validate_page_size
from schema.context import Info
from schema.directives import ListSize
from schema.errors import BadInputError
from schema.privacy.access import field_visible
from schema.scalars import BigInt
from schema.tournaments.enums import TransactionReason


@strawberry.type(description="One line of the DC coin ledger (positive earns, negative spends).")
class Transaction:
    amount: BigInt
    reason: TransactionReason  # type: ignore[valid-type]
    reference: str | None = strawberry.field(description="The player's and staff's eyes only: null for others.")
    created_at: datetime


@strawberry.type(description="A player's DC coin totals and latest transactions (owner and staff only).")
class EconomySummary:
    user_id: strawberry.Private[int]
    total_earned: BigInt
    total_spent: BigInt

    @strawberry.field
    def net_earnings(self) -> BigInt:
        return BigInt(net_earnings(total_earned=self.total_earned, total_spent=self.total_spent))

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
        show_reference = await field_visible(info, "Transaction.reference", owner_id=self.user_id)
        return [
            Transaction(
                amount=BigInt(row.amount),
                reason=TransactionReason(row.reason),
                reference=row.reference if show_reference else None,
                created_at=row.created_at,
            )
            for row in rows
        ]


async def economy_summary_for(*, owner_id: int, info: Info) -> EconomySummary:
    stats = await info.context.loaders.stats.load(owner_id)
    return EconomySummary(
        user_id=owner_id, total_earned=BigInt(stats.total_earned), total_spent=BigInt(stats.total_spent)
    )
