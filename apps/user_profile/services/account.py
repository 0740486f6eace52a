"""Profile lifecycle: created with the user; erased (events and stats) when the account is deleted."""

import pgtrigger
from django.contrib.auth.models import User
from django.db import transaction

from apps.user_profile.models import ActivityStreamEntry, UserActivity, UserProfile, UserProfileStats


def profile_ensure(*, user_id: int) -> UserProfile:
    """The user's profile and stats rows, created when missing."""
    profile, _ = UserProfile.objects.get_or_create(user_id=user_id)
    UserProfileStats.objects.get_or_create(user_id=user_id)
    return profile


@transaction.atomic
def user_activity_erase(*, user_id: int) -> int:
    """Erase a user's activity history and stats for account deletion; returns the events erased.

    The only path around the append-only rule: the model refuses deletes and a trigger rejects
    them, so this ignores that trigger for its own statement alone.
    """
    ActivityStreamEntry.objects.filter(user_id=user_id).delete()  # it refers to the events
    events = UserActivity.objects.filter(user_id=user_id)
    with pgtrigger.ignore("user_profile.UserActivity:append_only"):
        erased = events._erase()
    UserProfileStats.objects.filter(user_id=user_id).delete()
    return erased


@transaction.atomic
def user_account_delete(*, user: User) -> None:
    """Delete an account with everything recorded about it."""
    user.delete()  # the pre_delete receiver erases the activity log first
