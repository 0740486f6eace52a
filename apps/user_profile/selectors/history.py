"""A player's tournament history: one entry per tournament registered for, newest registration first."""

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from django.db.models import BigIntegerField, Count, OuterRef, Q, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from apps.tournaments.models import Registration, Tournament, TournamentResult
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors.activity import DEFAULT_PAGE_SIZE, validate_page_size
from apps.user_profile.selectors.cursors import ActivityCursor


class TournamentOutcome(enum.Enum):
    WON = "WON"
    RUNNER_UP = "RUNNER_UP"
    TOP4 = "TOP4"


OUTCOME_FOR_EVENT = {
    E.TOURNAMENT_WON: TournamentOutcome.WON,
    E.TOURNAMENT_RUNNER_UP: TournamentOutcome.RUNNER_UP,
    E.TOURNAMENT_TOP4: TournamentOutcome.TOP4,
}
# Events of a player inside one tournament, counted per tournament for the page in one query.
COUNTED_EVENTS = (
    E.TOURNAMENT_JOINED,
    E.TOURNAMENT_COMPLETED,
    E.TOURNAMENT_WON,
    E.TOURNAMENT_RUNNER_UP,
    E.TOURNAMENT_TOP4,
    E.MATCH_PLAYED,
    E.MATCH_WON,
    E.MATCH_LOST,
)


@dataclass(frozen=True, slots=True)
class TournamentHistoryEntry:
    tournament: Tournament
    registration_id: int
    registered_at: datetime
    checked_in: bool
    completed: bool
    placement: int | None
    result: TournamentOutcome | None
    matches_played: int
    matches_won: int
    matches_lost: int
    cursor: str


@dataclass(frozen=True, slots=True)
class TournamentHistoryPage:
    items: list[TournamentHistoryEntry]
    has_next_page: bool
    has_previous_page: bool


def _tournament_id() -> Cast:
    return Cast(KeyTextTransform("tournament_id", "metadata"), BigIntegerField())


def tournament_history_page(
    *, user_id: int, first: int | None = None, after: str | None = None
) -> TournamentHistoryPage:
    """A page of history in three queries whatever its size.

    Built from the player's own events, so a team registration shows only for the members who were on the
    roster (and a team's matches and placement only for those who played them); the registration and the
    tournament come from their tables in one joined query.
    """
    validate_page_size(name="first", value=first)
    size = DEFAULT_PAGE_SIZE if first is None else first
    registrations = UserActivity.objects.filter(user_id=user_id, event_type=E.TOURNAMENT_REGISTERED)
    if after is not None:
        cursor = ActivityCursor.decode(after)
        registrations = registrations.filter(timestamp__lte=cursor.timestamp).filter(
            Q(timestamp__lt=cursor.timestamp) | Q(id__lt=cursor.id)
        )
    rows = list(registrations.order_by("-timestamp", "-id").only("id", "timestamp", "metadata")[: size + 1])
    page = rows[:size]
    if not page:
        return TournamentHistoryPage(items=[], has_next_page=len(rows) > size, has_previous_page=after is not None)

    tournament_ids = [int(event.metadata["tournament_id"]) for event in page]
    counts: dict[int, dict[str, int]] = {
        row["tournament_id"]: cast(dict[str, int], row)
        for row in UserActivity.objects.filter(user_id=user_id, event_type__in=COUNTED_EVENTS)
        .annotate(tournament_id=_tournament_id())
        .filter(tournament_id__in=tournament_ids)
        .order_by()
        .values("tournament_id")
        .annotate(**{event_type.value: Count("id", filter=Q(event_type=event_type)) for event_type in COUNTED_EVENTS})
    }
    placement = TournamentResult.objects.filter(registration_id=OuterRef("pk")).values("placement")[:1]
    registration_by_id = {
        registration.pk: registration
        for registration in Registration.objects.filter(
            pk__in=[int(event.metadata["registration_id"]) for event in page]
        )
        .select_related("tournament")
        .annotate(placement=Subquery(placement))
    }

    items = []
    for event in page:
        registration = registration_by_id[int(event.metadata["registration_id"])]
        seen: dict[str, int] = counts.get(int(event.metadata["tournament_id"]), {})
        completed = bool(seen.get(E.TOURNAMENT_COMPLETED))
        outcome = next((OUTCOME_FOR_EVENT[t] for t in OUTCOME_FOR_EVENT if seen.get(t)), None)
        items.append(
            TournamentHistoryEntry(
                tournament=registration.tournament,
                registration_id=registration.pk,
                registered_at=registration.registered_at,
                checked_in=bool(seen.get(E.TOURNAMENT_JOINED)),
                completed=completed,
                placement=registration.placement if completed else None,
                result=outcome,
                matches_played=seen.get(E.MATCH_PLAYED, 0),
                matches_won=seen.get(E.MATCH_WON, 0),
                matches_lost=seen.get(E.MATCH_LOST, 0),
                cursor=ActivityCursor(timestamp=event.timestamp, id=event.pk).encode(),
            )
        )
    return TournamentHistoryPage(items=items, has_next_page=len(rows) > size, has_previous_page=after is not None)
