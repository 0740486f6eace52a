"""Admin for the activity log (read-only: history is append-only) and the per-player stats."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.user_profile.event_types import STORED_FIELDS
from apps.user_profile.models import (
    Achievement,
    ReconcileRun,
    UserAchievement,
    UserActivity,
    UserProfile,
    UserProfileStats,
)
from apps.user_profile.services.achievements import achievement_unlock
from apps.user_profile.services.reconcile import stats_reconcile


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added, changed or deleted through the admin."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(UserActivity)
class UserActivityAdmin(ReadOnlyAdmin):
    list_display = ["timestamp", "user", "event_type", "source_model", "source_id", "recorded_at"]
    list_filter = ["event_type", ("timestamp", admin.DateFieldListFilter)]
    search_fields = ["user__username", "user__email"]
    date_hierarchy = "timestamp"
    list_select_related = ["user"]
    # Counting every row of a log this size on each page view is slow and adds nothing.
    show_full_result_count = False
    fields = ["user", "event_type", "timestamp", "metadata", "source_model", "source_id", "recorded_at"]


@admin.register(UserProfileStats)
class UserProfileStatsAdmin(ReadOnlyAdmin):
    list_display = [
        "user",
        "matches_played",
        "matches_won",
        "win_rate_display",
        "tournaments_completed",
        "tournaments_won",
        "tournament_win_rate_display",
        "net_earnings_display",
        "last_activity_at",
    ]
    search_fields = ["user__username", "user__email"]
    list_select_related = ["user"]
    ordering = ["user__username"]
    readonly_fields = [
        *STORED_FIELDS,
        "win_rate_display",
        "tournament_win_rate_display",
        "podium_finishes",
        "net_earnings_display",
        "active_teams",
    ]
    actions = ["recompute_from_events"]

    @admin.display(description="win rate")
    def win_rate_display(self, stats: UserProfileStats) -> str:
        return f"{stats.win_rate_percent}%"

    @admin.display(description="tournament win rate")
    def tournament_win_rate_display(self, stats: UserProfileStats) -> str:
        return f"{stats.tournament_win_rate_percent}%"

    @admin.display(description="net earnings (DC)")
    def net_earnings_display(self, stats: UserProfileStats) -> int:
        return stats.net_earnings

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Stats are derived from the events: nobody edits them, but staff who can change them may recompute.
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        if not request.user.has_perm("user_profile.change_userprofilestats"):
            actions.pop("recompute_from_events", None)
        return actions

    @admin.action(description="Recompute from events")
    def recompute_from_events(self, request: HttpRequest, queryset: QuerySet[UserProfileStats]) -> None:
        # The reconcile service: drifted players are recomputed under their stats row lock, and the run is
        # recorded like any other reconciliation.
        user_ids = sorted(queryset.values_list("user_id", flat=True))
        report = stats_reconcile(user_ids=user_ids, fix=True)
        fields = sorted({row.field for row in report.drifts})
        detail = f" (fields: {', '.join(fields)})" if fields else ""
        self.message_user(
            request,
            f"Checked {report.users_checked} player(s) against their events: {report.users_with_drift} had "
            f"drifted and {report.fixed} were recomputed{detail}.",
            messages.WARNING if report.users_with_drift else messages.SUCCESS,
        )


@admin.register(ReconcileRun)
class ReconcileRunAdmin(ReadOnlyAdmin):
    list_display = [
        "started_at",
        "finished_at",
        "scope",
        "shard_label",
        "fix",
        "users_checked",
        "users_with_drift",
        "fixed",
        "drift_percent",
    ]
    list_filter = ["scope", "fix", ("started_at", admin.DateFieldListFilter)]
    date_hierarchy = "started_at"


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "display_name", "created_at"]
    search_fields = ["user__username", "display_name"]
    list_select_related = ["user"]
    readonly_fields = ["user", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # profiles are created with their user

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # they go with their user, whose deletion erases the history too


@admin.register(Achievement)
class AchievementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "description"]
    search_fields = ["code", "name"]


@admin.register(UserAchievement)
class UserAchievementAdmin(admin.ModelAdmin):
    list_display = ["user", "achievement", "unlocked_at"]
    list_filter = ["achievement"]
    search_fields = ["user__username"]
    list_select_related = ["user", "achievement"]
    autocomplete_fields = ["user", "achievement"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # an unlock is history: its event is already in the log

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: UserAchievement, form: Any, change: bool) -> None:
        # Through the service, so the unlock and its achievement_unlocked event commit together.
        unlock = achievement_unlock(user=obj.user, achievement=obj.achievement, unlocked_at=obj.unlocked_at)
        obj.pk = unlock.pk
        obj._state.adding = False
