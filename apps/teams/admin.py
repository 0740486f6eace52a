from typing import Any

from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from apps.teams.models import Team, TeamMembership


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    fields = ["user", "joined_at", "left_at"]
    readonly_fields = ["user", "joined_at", "left_at"]
    extra = 0
    # Memberships are history (team_joined / team_left events): they are added and closed in their own admin.
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "tag", "active_members", "created_at"]
    search_fields = ["name", "tag"]
    inlines = [TeamMembershipInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return (
            super()
            .get_queryset(request)
            .annotate(member_count=Count("memberships", filter=Q(memberships__left_at=None)))
        )

    @admin.display(description="active members", ordering="member_count")
    def active_members(self, team: Any) -> int:
        return team.member_count


@admin.register(TeamMembership)
class TeamMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "team", "joined_at", "left_at"]
    list_filter = [("left_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__username", "team__name"]
    list_select_related = ["user", "team"]
    raw_id_fields = ["user", "team"]

    def get_readonly_fields(self, request: HttpRequest, obj: TeamMembership | None = None) -> list[str]:
        if obj is None:
            return []
        # Joining is history; only an open membership can still be closed.
        return ["user", "team", "joined_at"] + (["left_at"] if obj.left_at is not None else [])

    def has_delete_permission(self, request: HttpRequest, obj: TeamMembership | None = None) -> bool:
        return False
