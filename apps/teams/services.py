from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from apps.teams.models import Team, TeamMembership
from apps.tournaments.models import Match, Registration, Tournament


def team_create(*, name: str, tag: str = "", created_at: datetime | None = None) -> Team:
    team = Team(name=name, tag=tag, created_at=created_at or timezone.now())
    team.full_clean()
    team.save()
    return team


def _roster_decided_until(team: Team) -> datetime | None:
    """The latest moment whose roster already decided recorded events (confirmation, check-in, completion, match).

    Team events go to the roster at those moments, so a roster change dated at or before it would make the
    recorded history disagree with the rosters (and could break the stats' registered >= checked-in chain).
    """
    registrations = Registration.objects.filter(team=team)
    steps = registrations.aggregate(
        confirmed=Max("confirmed_at"),
        checked_in=Max("checked_in_at"),
        completed=Max("tournament__completed_at", filter=Q(tournament__status=Tournament.Status.COMPLETED)),
    )
    played = Match.objects.filter(Q(side_a__team=team) | Q(side_b__team=team), state=Match.State.COMPLETED).aggregate(
        latest=Max("completed_at")
    )
    moments = [moment for moment in (*steps.values(), played["latest"]) if moment is not None]
    return max(moments, default=None)


def _check_roster_change_time(team: Team, at: datetime) -> None:
    decided = _roster_decided_until(team)
    if decided is not None and at <= decided:
        raise ValidationError(
            f"A roster change of {team} must be dated after its recorded tournament history ({decided.isoformat()})."
        )


@transaction.atomic
def team_member_add(*, team: Team, user: User, at: datetime | None = None) -> TeamMembership:
    if TeamMembership.objects.filter(team=team, user_id=user.pk, left_at__isnull=True).exists():
        raise ValidationError(f"{user} is already on {team}.")
    joined_at = at or timezone.now()
    _check_roster_change_time(team, joined_at)
    return TeamMembership.objects.create(team=team, user_id=user.pk, joined_at=joined_at)


@transaction.atomic
def team_member_remove(*, team: Team, user: User, at: datetime | None = None) -> TeamMembership:
    membership = (
        TeamMembership.objects.select_for_update().filter(team=team, user_id=user.pk, left_at__isnull=True).first()
    )
    if membership is None:
        raise ValidationError(f"{user} is not on {team}.")
    left_at = at or timezone.now()
    if left_at < membership.joined_at:
        raise ValidationError("A member cannot leave before joining.")
    _check_roster_change_time(team, left_at)
    membership.left_at = left_at
    membership.save(update_fields=["left_at"])
    return membership
