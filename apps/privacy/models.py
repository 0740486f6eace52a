"""What each player chose to show others. One row per player, created on their first change: no row means
the defaults (economy private, activity public)."""

from django.conf import settings
from django.db import models

from apps.privacy.policy import Settings


class PrivacySettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="privacy_settings"
    )
    economy_public = models.BooleanField(
        default=False, help_text="Others may see coin totals, net earnings, coin events and prizes."
    )
    activity_public = models.BooleanField(
        default=True, help_text="Others may see the activity feed, tournament history and activity times."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "privacy settings"

    def __str__(self) -> str:
        return f"Privacy settings of {self.user_id}"

    def as_policy_settings(self) -> Settings:
        return Settings(economy_public=self.economy_public, activity_public=self.activity_public)
