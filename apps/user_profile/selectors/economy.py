"""A player's DC coin summary: totals from the stats row, recent lines from the ledger."""

from collections.abc import Iterable
from dataclasses import dataclass

from apps.economy.models import DeltaCrownTransaction
from apps.user_profile.event_types import net_earnings
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
        return net_earnings(total_earned=self.total_earned, total_spent=self.total_spent)


def economy_recent_transactions_of(
    *, user_ids: Iterable[int], first: int = 10
) -> dict[int, list[DeltaCrownTransaction]]:
    """Each player's `first` newest ledger lines (at most 50), newest first, in one query for them all.

    A LATERAL join walks each player's (user, -created_at, -id) index for just their lines: a leaderboard's
    players cost what one player does.
    """
    validate_page_size(name="first", value=first, maximum=MAX_RECENT_TRANSACTIONS)
    owners = list(dict.fromkeys(user_ids))
    lines: dict[int, list[DeltaCrownTransaction]] = {user_id: [] for user_id in owners}
    table = DeltaCrownTransaction._meta.db_table
    sql = (
        f"SELECT t.* FROM unnest(%s::bigint[]) AS owner(id) CROSS JOIN LATERAL (SELECT * FROM {table} t "
        "WHERE t.user_id = owner.id ORDER BY t.created_at DESC, t.id DESC LIMIT %s) t "
        "ORDER BY t.user_id, t.created_at DESC, t.id DESC"
    )
    for line in DeltaCrownTransaction.objects.raw(sql, [owners, first]):
        lines[line.user_id].append(line)
    return lines


def economy_recent_transactions(*, user_id: int, first: int = 10) -> list[DeltaCrownTransaction]:
    """The player's `first` newest ledger lines (at most 50), newest first."""
    return economy_recent_transactions_of(user_ids=[user_id], first=first)[user_id]


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
