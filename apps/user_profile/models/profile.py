from django.conf import settings
from django.db import models
from django.utils import timezone


class UserProfile(models.Model):
    """The player's public face; shares its primary key with the user."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(max_length=100, blank=True)
    bio = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.display_name or str(self.user)
