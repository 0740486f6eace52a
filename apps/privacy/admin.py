from django.contrib import admin

from apps.privacy.models import PrivacySettings
from apps.user_profile.admin import ReadOnlyAdmin


@admin.register(PrivacySettings)
class PrivacySettingsAdmin(ReadOnlyAdmin):
    """Staff see what each player chose; only the player changes it (/me/settings/)."""

    list_display = ["user", "economy_public", "activity_public", "updated_at"]
    list_filter = ["economy_public", "activity_public"]
    search_fields = ["user__username"]
