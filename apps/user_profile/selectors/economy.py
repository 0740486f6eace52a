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


def economy_recent_transactions(*, user_id: int, first: int = 10) -> list[DeltaCrownTransaction]:
    """The player's `first` newest ledger lines (at most 50), newest first."""
    validate_page_size(name="first", value=first, maximum=MAX_RECENT_TRANSACTIONS)
    return list(DeltaCrownTransaction.objects.filter(user_id=user_id).order_by("-created_at", "-id")[:first])


def economy_summary(*, user_id: int, recent: int = 10) -> EconomySummary:
    """Totals and the `recent` newest transactions (at most 50), in two queries."""
    transactions = economy_recent_transactions(user_id=user_id, first=recent)
    stats = UserProfileStats.objects.filter(user_id=user_id).values("total_earned", "total_spent").first()
    return EconomySummary(
        user_id=user_id,
        total_earned=stats["total_earned"] if stats else 0,
        total_spent=stats["total_spent"] if stats else 0,
        recent_transactions=transactions,
    )
