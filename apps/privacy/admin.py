from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.privacy.models import PrivacySettings


@admin.register(PrivacySettings)
class PrivacySettingsAdmin(admin.ModelAdmin):
    """Staff see what each player chose; only the player changes it (/me/settings/)."""

    list_display = ["user", "economy_public", "activity_public", "updated_at"]
    list_filter = ["economy_public", "activity_public"]
    search_fields = ["user__username"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
