from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.economy.models import DeltaCrownTransaction


@transaction.atomic
def transaction_create(
    *,
    user: User,
    amount: int,
    reason: str,
    reference: str = "",
    created_at: datetime | None = None,
) -> DeltaCrownTransaction:
    """Add a line to the DC ledger: a positive amount earns, a negative one spends."""
    if amount == 0:
        raise ValidationError("A DC transaction moves a non-zero amount.")
    if reason not in DeltaCrownTransaction.Reason.values:
        raise ValidationError(f"Unknown transaction reason {reason!r}.")
    return DeltaCrownTransaction.objects.create(
        user_id=user.pk,
        amount=amount,
        reason=reason,
        reference=reference,
        created_at=created_at or timezone.now(),
    )
