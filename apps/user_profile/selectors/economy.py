"""A player's DC coin summary: totals from the stats row, recent lines from the ledger."""

from dataclasses import dataclass

from apps.economy.models import DeltaCrownTransaction
from apps.user_profile.models import UserProfileStats
from apps.user_profile.selectors.activity import validate_page_size

MAX_RECENT_TRANSACTIONS = 50


@dataclass(frozen=True, slots=True)
class EconomySummary:
    user_id: int
    total_earned: int
    total_spent: int
    recent_transactions: list[DeltaCrownTransaction]

    @property
    def net_earnings(self) -> int:
        return self.total_earned - self.total_spent


def economy_summary(*, user_id: int, recent: int = 10) -> EconomySummary:
    """Totals and the `recent` newest transactions (at most 50), in two queries."""
    validate_page_size(name="first", value=recent, maximum=MAX_RECENT_TRANSACTIONS)
    stats = UserProfileStats.objects.filter(user_id=user_id).values("total_earned", "total_spent").first()
    transactions = list(DeltaCrownTransaction.objects.filter(user_id=user_id).order_by("-created_at", "-id")[:recent])
    return EconomySummary(
        user_id=user_id,
        total_earned=stats["total_earned"] if stats else 0,
        total_spent=stats["total_spent"] if stats else 0,
        recent_transactions=transactions,
    )
