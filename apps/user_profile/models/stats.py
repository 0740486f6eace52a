"""Per-player counters, kept equal to a recomputation from the activity log at every commit."""

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from apps.user_profile.event_types import (
    COUNTER_FIELDS,
    COUNTER_FOR_EVENT,
    STORED_FIELDS,
    TIME_FIELDS,
    net_earnings,
)

# The counters' facts are defined in event_types; these names stay importable from here.
__all__ = ["COUNTER_FIELDS", "COUNTER_FOR_EVENT", "STORED_FIELDS", "TIME_FIELDS", "UserProfileStats"]


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _percent(ratio: float) -> Decimal:
    return Decimal(str(ratio * 100)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class UserProfileStats(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="stats"
    )

    tournaments_registered = models.PositiveIntegerField(default=0)
    tournaments_played = models.PositiveIntegerField(default=0, help_text="Tournaments checked in to.")
    tournaments_completed = models.PositiveIntegerField(default=0)
    tournaments_won = models.PositiveIntegerField(default=0)
    tournaments_runner_up = models.PositiveIntegerField(default=0)
    tournaments_top4 = models.PositiveIntegerField(default=0, help_text="Placed 3rd or 4th.")

    matches_played = models.PositiveIntegerField(default=0)
    matches_won = models.PositiveIntegerField(default=0)
    matches_lost = models.PositiveIntegerField(default=0)
    matches_drawn = models.PositiveIntegerField(default=0)

    total_earned = models.PositiveBigIntegerField(default=0, help_text="DC coins earned, all time.")
    total_spent = models.PositiveBigIntegerField(default=0, help_text="DC coins spent, all time.")

    achievements_unlocked = models.PositiveIntegerField(default=0)
    teams_joined = models.PositiveIntegerField(default=0)
    teams_left = models.PositiveIntegerField(default=0)

    first_activity_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "user profile stats"
        constraints = [
            *(
                models.CheckConstraint(condition=Q(**{f"{name}__gte": 0}), name=f"stats_{name}_non_negative")
                for name in COUNTER_FIELDS
            ),
            models.CheckConstraint(
                condition=Q(matches_won__lte=F("matches_played") - F("matches_lost") - F("matches_drawn")),
                name="stats_match_outcomes_le_played",
            ),
            models.CheckConstraint(
                condition=Q(
                    tournaments_won__lte=F("tournaments_completed") - F("tournaments_runner_up") - F("tournaments_top4")
                ),
                name="stats_placements_le_completed",
            ),
            models.CheckConstraint(
                condition=Q(tournaments_completed__lte=F("tournaments_played")),
                name="stats_completed_le_played",
            ),
            models.CheckConstraint(
                condition=Q(tournaments_played__lte=F("tournaments_registered")),
                name="stats_played_le_registered",
            ),
            models.CheckConstraint(condition=Q(teams_left__lte=F("teams_joined")), name="stats_left_le_joined"),
            models.CheckConstraint(
                # Both set and ordered, or both unset: a NULL comparison alone would pass the check.
                condition=Q(first_activity_at__isnull=False, last_activity_at__isnull=False)
                & Q(first_activity_at__lte=F("last_activity_at"))
                | Q(first_activity_at__isnull=True, last_activity_at__isnull=True),
                name="stats_first_le_last_activity",
            ),
        ]
        indexes = [
            models.Index(fields=["-tournaments_won", "user"], name="stats_lb_tournaments_won"),
            models.Index(fields=["-matches_won", "user"], name="stats_lb_matches_won"),
            models.Index(fields=["-total_earned", "user"], name="stats_lb_total_earned"),
        ]

    def __str__(self) -> str:
        return f"Stats of {self.user_id}"

    @property
    def win_rate(self) -> float:
        """Share of matches played that were won (0.0 with none played)."""
        return _ratio(self.matches_won, self.matches_played)

    @property
    def win_rate_percent(self) -> Decimal:
        return _percent(self.win_rate)

    @property
    def tournament_win_rate(self) -> float:
        """Share of completed tournaments won (0.0 with none)."""
        return _ratio(self.tournaments_won, self.tournaments_completed)

    @property
    def tournament_win_rate_percent(self) -> Decimal:
        return _percent(self.tournament_win_rate)

    @property
    def podium_finishes(self) -> int:
        return self.tournaments_won + self.tournaments_runner_up + self.tournaments_top4

    @property
    def net_earnings(self) -> int:
        return net_earnings(total_earned=self.total_earned, total_spent=self.total_spent)

    @property
    def active_teams(self) -> int:
        return self.teams_joined - self.teams_left

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"user_id": self.user_id}
        for name in COUNTER_FIELDS:
            data[name] = getattr(self, name)
        for name in TIME_FIELDS:
            value = getattr(self, name)
            data[name] = value.isoformat() if value else None
        data.update(
            win_rate=self.win_rate,
            win_rate_percent=float(self.win_rate_percent),
            tournament_win_rate=self.tournament_win_rate,
            tournament_win_rate_percent=float(self.tournament_win_rate_percent),
            podium_finishes=self.podium_finishes,
            net_earnings=self.net_earnings,
            active_teams=self.active_teams,
        )
        return data
