from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class DeltaCrownTransaction(models.Model):
    """One line of the DC coin ledger: a signed amount (positive earns, negative spends)."""

    class Reason(models.TextChoices):
        TOURNAMENT_PRIZE = "TOURNAMENT_PRIZE", "Tournament prize"
        ENTRY_FEE = "ENTRY_FEE", "Entry fee"
        DAILY_REWARD = "DAILY_REWARD", "Daily reward"
        ACHIEVEMENT_REWARD = "ACHIEVEMENT_REWARD", "Achievement reward"
        SHOP_PURCHASE = "SHOP_PURCHASE", "Shop purchase"
        ADJUSTMENT = "ADJUSTMENT", "Adjustment"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="dc_transactions")
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=32, choices=Reason.choices)
    reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="dc_transaction_amount_not_zero")]
        indexes = [models.Index(fields=["user", "-created_at", "-id"], name="dc_tx_user_recent")]

    def __str__(self) -> str:
        return f"{self.amount:+d} DC ({self.reason}) for {self.user_id}"
