"""Admin for tournaments, registrations, matches and results.

Saves go through the models' post_save receivers, so the activity events are recorded in the admin's
transaction. Once a row is history (a completed tournament or match, a result of a completed tournament)
it is read-only here: its events are in the append-only log and would no longer match an edited source.
"""

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from apps.tournaments import services
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult

PARTICIPANT_RELATIONS = ["user", "team"]


def all_fields(model_admin: admin.ModelAdmin) -> list[str]:
    return [field.name for field in model_admin.model._meta.concrete_fields if field.name != "id"]


REGISTRATION_INLINE_FIELDS = ("user", "team", "status", "registered_at", "confirmed_at", "checked_in", "checked_in_at")


class RegistrationInline(admin.TabularInline):
    model = Registration
    fields = REGISTRATION_INLINE_FIELDS
    readonly_fields = REGISTRATION_INLINE_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Tournament)
class TournamentAdmin(admin.ModelAdmin):
    list_display = ["name", "game", "format", "status", "starts_at", "prize_pool", "entrants", "completed_at"]
    list_filter = ["status", "format", "game"]
    search_fields = ["name", "game"]
    date_hierarchy = "starts_at"
    inlines = [RegistrationInline]
    actions = ["start_tournaments", "complete_tournaments"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tournament]:
        return super().get_queryset(request).annotate(entrant_count=Count("registrations"))

    @admin.display(description="entrants", ordering="entrant_count")
    def entrants(self, tournament: Any) -> int:
        return tournament.entrant_count

    def get_readonly_fields(self, request: HttpRequest, obj: Tournament | None = None) -> list[str]:
        if obj is not None and obj.status == Tournament.Status.COMPLETED:
            return all_fields(self)
        # Completion goes through the action, which records the completion events.
        return ["status", "completed_at", "created_at"] if obj is not None else ["completed_at"]

    def has_delete_permission(self, request: HttpRequest, obj: Tournament | None = None) -> bool:
        return obj is None or obj.status != Tournament.Status.COMPLETED

    @admin.action(description="Start the selected tournaments")
    def start_tournaments(self, request: HttpRequest, queryset: QuerySet[Tournament]) -> None:
        _run_each(self, request, queryset, lambda t: services.tournament_start(tournament=t), "started")

    @admin.action(description="Complete the selected tournaments (records completion events)")
    def complete_tournaments(self, request: HttpRequest, queryset: QuerySet[Tournament]) -> None:
        _run_each(self, request, queryset, lambda t: services.tournament_complete(tournament=t), "completed")


@admin.register(Registration)
class RegistrationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "tournament", "status", "confirmed_at", "checked_in", "checked_in_at"]
    list_filter = ["status", "checked_in", "tournament__game"]
    search_fields = ["tournament__name", "user__username", "team__name"]
    list_select_related = ["tournament", *PARTICIPANT_RELATIONS]
    raw_id_fields = ["tournament", "user", "team"]
    readonly_fields = ["status", "confirmed_at", "checked_in", "checked_in_at"]
    actions = ["confirm_registrations", "check_in_registrations", "mark_no_show"]

    def has_delete_permission(self, request: HttpRequest, obj: Registration | None = None) -> bool:
        return obj is None or obj.confirmed_at is None

    @admin.action(description="Confirm the selected registrations")
    def confirm_registrations(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        _run_each(self, request, queryset, lambda r: services.registration_confirm(registration=r), "confirmed")

    @admin.action(description="Check in the selected registrations")
    def check_in_registrations(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        _run_each(self, request, queryset, lambda r: services.registration_check_in(registration=r), "checked in")

    @admin.action(description="Mark the selected registrations as no-show")
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Registration]) -> None:
        _run_each(
            self,
            request,
            queryset,
            lambda r: services.registration_set_status(registration=r, status=Registration.Status.NO_SHOW),
            "marked as no-show",
        )


@admin.register(Match)
class MatchAdmin(admin.ModelAdmin):
    list_display = ["__str__", "tournament", "round", "side_a", "side_b", "state", "winner", "is_forfeit"]
    list_filter = ["state", "is_forfeit", "tournament__game"]
    search_fields = ["tournament__name", "side_a__user__username", "side_b__user__username"]
    list_select_related = [
        "tournament",
        *(f"{side}__{relation}" for side in ("side_a", "side_b", "winner") for relation in PARTICIPANT_RELATIONS),
    ]
    raw_id_fields = ["tournament", "side_a", "side_b", "winner"]

    def get_readonly_fields(self, request: HttpRequest, obj: Match | None = None) -> list[str]:
        if obj is not None and obj.state == Match.State.COMPLETED:
            return all_fields(self)
        return []

    def has_delete_permission(self, request: HttpRequest, obj: Match | None = None) -> bool:
        return obj is None or obj.state != Match.State.COMPLETED


@admin.register(TournamentResult)
class TournamentResultAdmin(admin.ModelAdmin):
    list_display = ["tournament", "placement", "registration", "prize", "created_at"]
    list_filter = ["placement", "tournament__game"]
    search_fields = ["tournament__name", "registration__user__username", "registration__team__name"]
    list_select_related = ["tournament", "registration__user", "registration__team"]
    raw_id_fields = ["tournament", "registration"]
    ordering = ["-tournament__starts_at", "placement"]

    def get_readonly_fields(self, request: HttpRequest, obj: TournamentResult | None = None) -> list[str]:
        if obj is not None and obj.tournament.status == Tournament.Status.COMPLETED:
            return all_fields(self)
        return []

    def has_delete_permission(self, request: HttpRequest, obj: TournamentResult | None = None) -> bool:
        return obj is None or obj.tournament.status != Tournament.Status.COMPLETED


def _run_each(
    model_admin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Any], action: Any, done: str
) -> None:
    """Apply a service to each selected row; report how many succeeded and why the others did not."""
    succeeded = 0
    for obj in queryset:
        try:
            action(obj)
        except ValidationError as error:
            model_admin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
        else:
            succeeded += 1
    if succeeded:
        model_admin.message_user(request, f"{succeeded} {model_admin.model._meta.verbose_name_plural} {done}.")
