"""Tournament writes. Each runs in one transaction together with the activity it produces."""

from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.teams.models import Team
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult


def tournament_create(
    *,
    name: str,
    game: str,
    starts_at: datetime,
    format: str = Tournament.Format.SOLO,
    prize_pool: int = 0,
) -> Tournament:
    tournament = Tournament(name=name, game=game, starts_at=starts_at, format=format, prize_pool=prize_pool)
    tournament.full_clean()
    tournament.save()
    return tournament


@transaction.atomic
def registration_create(
    *,
    tournament: Tournament,
    user: User | None = None,
    team: Team | None = None,
    registered_at: datetime | None = None,
) -> Registration:
    if (user is None) == (team is None):
        raise ValidationError("A registration is for one player or one team.")
    if tournament.is_team != (team is not None):
        raise ValidationError(f"{tournament} is a {tournament.get_format_display().lower()} tournament.")
    if tournament.status not in (Tournament.Status.REGISTRATION_OPEN, Tournament.Status.DRAFT):
        raise ValidationError(f"Registration for {tournament} is closed.")
    participant = {"user": user} if user is not None else {"team": team}
    if Registration.objects.filter(tournament=tournament, **participant).exists():
        raise ValidationError(f"{user or team} is already registered for {tournament}.")
    return Registration.objects.create(
        tournament=tournament, user=user, team=team, registered_at=registered_at or timezone.now()
    )


@transaction.atomic
def registration_confirm(*, registration: Registration, at: datetime | None = None) -> Registration:
    registration = Registration.objects.select_for_update().select_related("tournament").get(pk=registration.pk)
    if registration.status == Registration.Status.CONFIRMED:
        return registration
    if registration.status != Registration.Status.PENDING:
        raise ValidationError(f"A {registration.get_status_display().lower()} registration cannot be confirmed.")
    registration.status = Registration.Status.CONFIRMED
    registration.confirmed_at = at or timezone.now()
    registration.save(update_fields=["status", "confirmed_at"])
    return registration


@transaction.atomic
def registration_check_in(*, registration: Registration, at: datetime | None = None) -> Registration:
    # The tournament lock orders this against tournament_complete, which records who had checked in.
    tournament = Tournament.objects.select_for_update().get(pk=registration.tournament_id)
    registration = Registration.objects.select_for_update().select_related("tournament").get(pk=registration.pk)
    if registration.checked_in:
        return registration
    if registration.status != Registration.Status.CONFIRMED:
        raise ValidationError("Only a confirmed registration can check in.")
    if tournament.status == Tournament.Status.COMPLETED:
        raise ValidationError(f"{tournament} is already completed: check-in is closed.")
    registration.checked_in = True
    registration.checked_in_at = at or timezone.now()
    registration.save(update_fields=["checked_in", "checked_in_at"])
    return registration


def _has_completed_match(registration: Registration) -> bool:
    return Match.objects.filter(Q(side_a=registration) | Q(side_b=registration), state=Match.State.COMPLETED).exists()


CLOSING_STATUSES = frozenset(
    {Registration.Status.CANCELLED, Registration.Status.NO_SHOW, Registration.Status.DISQUALIFIED}
)


@transaction.atomic
def registration_set_status(*, registration: Registration, status: str) -> Registration:
    """Cancel, mark as no-show or disqualify a registration. History already recorded stays."""
    if status not in CLOSING_STATUSES:
        raise ValidationError(f"Use registration_confirm to confirm; {status!r} is not a closing status.")
    registration = Registration.objects.select_for_update().select_related("tournament").get(pk=registration.pk)
    if registration.status == status:
        return registration
    # Final: the matches of a no-show side produced no events, so reopening it would change history.
    if registration.status in CLOSING_STATUSES:
        raise ValidationError(f"A {registration.get_status_display().lower()} registration is closed for good.")
    if status == Registration.Status.NO_SHOW and _has_completed_match(registration):
        raise ValidationError("A participant who has played a match cannot be marked as a no-show.")
    # Completion and placements were recorded from the status at completion; closing it afterwards would leave
    # the log disagreeing with its source (a backfill would no longer reproduce those events).
    if registration.tournament.status == Tournament.Status.COMPLETED:
        raise ValidationError(f"{registration.tournament} is completed: its registrations are final.")
    registration.status = status
    registration.save(update_fields=["status"])
    return registration


@transaction.atomic
def tournament_start(*, tournament: Tournament) -> Tournament:
    tournament = Tournament.objects.select_for_update().get(pk=tournament.pk)
    if tournament.status == Tournament.Status.COMPLETED:
        raise ValidationError(f"{tournament} is already completed.")
    tournament.status = Tournament.Status.IN_PROGRESS
    tournament.save(update_fields=["status"])
    return tournament


@transaction.atomic
def tournament_complete(*, tournament: Tournament, at: datetime | None = None) -> Tournament:
    """Complete a tournament: tournament_completed for every checked-in participant, with its placements."""
    tournament = Tournament.objects.select_for_update().get(pk=tournament.pk)
    if tournament.status == Tournament.Status.COMPLETED:
        return tournament
    tournament.status = Tournament.Status.COMPLETED
    tournament.completed_at = at or timezone.now()
    tournament.save(update_fields=["status", "completed_at"])
    return tournament


@transaction.atomic
def match_create(
    *,
    tournament: Tournament,
    side_a: Registration,
    side_b: Registration,
    round: int = 1,
    scheduled_at: datetime | None = None,
) -> Match:
    for side in (side_a, side_b):
        if side.tournament_id != tournament.pk:
            raise ValidationError(f"Registration {side.pk} is not in {tournament}.")
    if side_a.pk == side_b.pk:
        raise ValidationError("A match needs two different sides.")
    return Match.objects.create(
        tournament=tournament, side_a=side_a, side_b=side_b, round=round, scheduled_at=scheduled_at
    )


@transaction.atomic
def match_complete(
    *,
    match: Match,
    winner: Registration | None,
    is_forfeit: bool = False,
    at: datetime | None = None,
) -> Match:
    """Record a match result. `winner=None` is a draw; a forfeit needs a winner (the side that showed up)."""
    match = Match.objects.select_for_update().select_related("tournament", "side_a", "side_b").get(pk=match.pk)
    if match.state == Match.State.COMPLETED:
        return match
    if winner is not None and winner.pk not in (match.side_a_id, match.side_b_id):
        raise ValidationError("The winner must be one of the match's two sides.")
    if is_forfeit and winner is None:
        raise ValidationError("A forfeit needs a winner: the side that did not forfeit.")
    match.state = Match.State.COMPLETED
    match.winner = winner
    match.is_forfeit = is_forfeit
    match.completed_at = at or timezone.now()
    match.save(update_fields=["state", "winner", "is_forfeit", "completed_at"])
    return match


@transaction.atomic
def tournament_result_record(
    *,
    tournament: Tournament,
    registration: Registration,
    placement: int,
    prize: int = 0,
    at: datetime | None = None,
) -> TournamentResult:
    """Enter a final placement; its event is recorded now, or when the tournament completes."""
    # The current tournament, locked: a stale copy would hide a completion, and the lock orders this against
    # tournament_complete so that one of the two always sees the other and the placement event is recorded.
    tournament = Tournament.objects.select_for_update().get(pk=tournament.pk)
    registration = Registration.objects.get(pk=registration.pk)  # judge its current state, not a stale copy
    if registration.tournament_id != tournament.pk:
        raise ValidationError(f"Registration {registration.pk} is not in {tournament}.")
    if placement < 1:
        raise ValidationError("Placements start at 1.")
    if registration.status != Registration.Status.CONFIRMED or not registration.checked_in:
        raise ValidationError("Only a confirmed, checked-in participant can be placed.")
    result, _ = TournamentResult.objects.get_or_create(
        tournament=tournament,
        registration=registration,
        defaults={"placement": placement, "prize": prize, "created_at": at or timezone.now()},
    )
    return result
