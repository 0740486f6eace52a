"""Writes of the players' privacy settings."""

from django.contrib.auth.models import User
from django.db import transaction

from apps.privacy.models import PrivacySettings
from apps.privacy.policy import DEFAULT_SETTINGS, Settings


@transaction.atomic
def privacy_settings_update(*, user: User, economy_public: bool | None, activity_public: bool | None) -> Settings:
    """Change what others may see of `user`; None leaves a setting as it is. Creates the row on first use."""
    row, _ = PrivacySettings.objects.select_for_update().get_or_create(
        user=user,
        defaults={
            "economy_public": DEFAULT_SETTINGS.economy_public,
            "activity_public": DEFAULT_SETTINGS.activity_public,
        },
    )
    if economy_public is not None:
        row.economy_public = economy_public
    if activity_public is not None:
        row.activity_public = activity_public
    row.save()
    return Settings(economy_public=row.economy_public, activity_public=row.activity_public)
