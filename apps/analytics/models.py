"""Seasons: named periods of play that player analytics are segmented by."""

from django.db import models
from django.db.models import F, Q


class Season(models.Model):
    name = models.CharField(max_length=100, unique=True)
    starts_at = models.DateTimeField(help_text="Inclusive.")
    ends_at = models.DateTimeField(help_text="Exclusive.")
    game = models.CharField(
        max_length=100, blank=True, default="", help_text="Only this game's events count; blank: every event."
    )

    class Meta:
        ordering = ["-starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="season_ends_after_it_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.game})" if self.game else self.name
