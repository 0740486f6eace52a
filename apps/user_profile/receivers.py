"""Connects the domain apps (which know nothing of the activity log) to the activity service.

Receivers run inside the transaction of the save that fired them, so a source row and its events commit
together. Saving a source again records nothing new (the service is idempotent).
"""

from typing import Any

from django.conf import settings
from django.db.models.signals import post_save, pre_delete
from django.dispatch import receiver

from apps.economy.models import DeltaCrownTransaction
from apps.teams.models import TeamMembership
from apps.tournaments.models import Match, Registration, Tournament, TournamentResult
from apps.user_profile.services import activity
from apps.user_profile.services.account import profile_ensure, user_activity_erase


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="user_profile_create")
def create_profile(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if created and not raw:
        profile_ensure(user_id=instance.pk)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="user_profile_erase")
def erase_activity(sender: Any, instance: Any, **kwargs: Any) -> None:
    user_activity_erase(user_id=instance.pk)


@receiver(post_save, sender=Registration, dispatch_uid="activity_registration")
def on_registration(sender: Any, instance: Registration, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        activity.record_tournament_registration(registration=instance)


@receiver(post_save, sender=Tournament, dispatch_uid="activity_tournament")
def on_tournament(sender: Any, instance: Tournament, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.status == Tournament.Status.COMPLETED:
        activity.record_tournament_completion(tournament=instance)


@receiver(post_save, sender=TournamentResult, dispatch_uid="activity_result")
def on_result(sender: Any, instance: TournamentResult, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        activity.record_tournament_result(result=instance)


@receiver(post_save, sender=Match, dispatch_uid="activity_match")
def on_match(sender: Any, instance: Match, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.state == Match.State.COMPLETED:
        activity.record_match_result(match=instance)


@receiver(post_save, sender=DeltaCrownTransaction, dispatch_uid="activity_transaction")
def on_transaction(sender: Any, instance: DeltaCrownTransaction, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        activity.record_economy_transaction(transaction=instance)


@receiver(post_save, sender=TeamMembership, dispatch_uid="activity_membership")
def on_membership(sender: Any, instance: TeamMembership, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        activity.record_team_membership(membership=instance)
