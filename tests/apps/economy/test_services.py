"""The DC ledger accepts signed, non-zero amounts with a known reason."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create
from apps.user_profile.models import UserActivity
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [(0, DeltaCrownTransaction.Reason.DAILY_REWARD, "non-zero"), (10, "LOTTERY", "Unknown transaction reason")],
)
def test_invalid_transactions_are_refused(amount, reason, message):
    # given
    player = UserFactory()
    # when / then
    with pytest.raises(ValidationError, match=message):
        transaction_create(user=player, amount=amount, reason=reason)
    assert not DeltaCrownTransaction.objects.exists()
    assert not UserActivity.objects.exists()


def test_database_refuses_a_zero_amount():
    # given
    player = UserFactory()
    # when / then
    with pytest.raises(IntegrityError, match="dc_transaction_amount_not_zero"):
        DeltaCrownTransaction.objects.create(user=player, amount=0, reason=DeltaCrownTransaction.Reason.ADJUSTMENT)
