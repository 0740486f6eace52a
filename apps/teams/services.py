from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.teams.models import Team, TeamMembership


def team_create(*, name: str, tag: str = "", created_at: datetime | None = None) -> Team:
    team = Team(name=name, tag=tag, created_at=created_at or timezone.now())
    team.full_clean()
    team.save()
    return team


@transaction.atomic
def team_member_add(*, team: Team, user: User, at: datetime | None = None) -> TeamMembership:
    if TeamMembership.objects.filter(team=team, user_id=user.pk, left_at__isnull=True).exists():
        raise ValidationError(f"{user} is already on {team}.")
    return TeamMembership.objects.create(team=team, user_id=user.pk, joined_at=at or timezone.now())


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
    membership.left_at = left_at
    membership.save(update_fields=["left_at"])
    return membership
