"""Reads of the players' privacy settings, as the policy's value objects."""

from collections.abc import Iterable

from apps.privacy.models import PrivacySettings
from apps.privacy.policy import DEFAULT_SETTINGS, Settings


def privacy_settings_of(*, user_ids: Iterable[int]) -> dict[int, Settings]:
    """Each player's settings in one query; players without a row get the defaults."""
    ids = list(dict.fromkeys(user_ids))
    found = {
        user_id: Settings(economy_public=economy, activity_public=activity)
        for user_id, economy, activity in PrivacySettings.objects.filter(user_id__in=ids).values_list(
            "user_id", "economy_public", "activity_public"
        )
    }
    return {user_id: found.get(user_id, DEFAULT_SETTINGS) for user_id in ids}


def privacy_settings_for(*, user_id: int) -> Settings:
    return privacy_settings_of(user_ids=[user_id])[user_id]
