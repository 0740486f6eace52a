from django.conf import settings
from django.db import models
from django.utils import timezone


class Achievement(models.Model):
    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.name


class UserAchievement(models.Model):
    """An achievement a player has unlocked: the source of `achievement_unlocked` events."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="achievements")
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="unlocks")
    unlocked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "achievement"], name="achievement_unlocked_once")]

    def __str__(self) -> str:
        return f"{self.achievement_id} for {self.user_id}"
