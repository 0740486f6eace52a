from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    tag = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name


class TeamMembershipQuerySet(models.QuerySet["TeamMembership"]):
    def active_at(self, moment: datetime) -> "TeamMembershipQuerySet":
        """Memberships that cover `moment`: joined at or before it and not yet left."""
        return self.filter(Q(left_at__isnull=True) | Q(left_at__gt=moment), joined_at__lte=moment)


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)

    objects = TeamMembershipQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "user"], condition=Q(left_at__isnull=True), name="team_one_active_membership"
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=models.F("joined_at")),
                name="team_membership_left_after_joined",
            ),
        ]
        indexes = [models.Index(fields=["team", "joined_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.team_id}"
