from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from apps.user_profile.models import Achievement, UserAchievement
from apps.user_profile.services.activity import record_achievement_unlock


@transaction.atomic
def achievement_unlock(*, user: User, achievement: Achievement, unlocked_at: datetime | None = None) -> UserAchievement:
    """Unlock an achievement for a player (once) and record the event with it."""
    unlock, _ = UserAchievement.objects.get_or_create(
        user_id=user.pk, achievement=achievement, defaults={"unlocked_at": unlocked_at or timezone.now()}
    )
    record_achievement_unlock(unlock=unlock)
    return unlock
