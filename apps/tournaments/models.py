from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Tournament(models.Model):
    class Status(models.TextChoices):
        DRAFT = "DRAFT", "Draft"
        REGISTRATION_OPEN = "REGISTRATION_OPEN", "Registration open"
        IN_PROGRESS = "IN_PROGRESS", "In progress"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"

    class Format(models.TextChoices):
        SOLO = "SOLO", "Solo"
        TEAM = "TEAM", "Team"

    name = models.CharField(max_length=200)
    game = models.CharField(max_length=100)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REGISTRATION_OPEN)
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.SOLO)
    starts_at = models.DateTimeField()
    prize_pool = models.PositiveBigIntegerField(default=0, help_text="In DC coins.")
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="COMPLETED") | Q(completed_at__isnull=False),
                name="tournament_completed_has_time",
            )
        ]
        indexes = [models.Index(fields=["status", "-starts_at"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_team(self) -> bool:
        return self.format == self.Format.TEAM


class Registration(models.Model):
    """A participant (one player, or one team) entered in a tournament."""

    class Status(models.TextChoices):
        PENDING = "PENDING", "Pending"
        CONFIRMED = "CONFIRMED", "Confirmed"
        CANCELLED = "CANCELLED", "Cancelled"
        NO_SHOW = "NO_SHOW", "No-show"
        DISQUALIFIED = "DISQUALIFIED", "Disqualified"

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    team = models.ForeignKey(
        "teams.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="registrations"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    registered_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    checked_in = models.BooleanField(default=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, team__isnull=True) | Q(user__isnull=True, team__isnull=False),
                name="registration_user_xor_team",
            ),
            models.UniqueConstraint(fields=["tournament", "user"], name="registration_unique_user"),
            models.UniqueConstraint(fields=["tournament", "team"], name="registration_unique_team"),
            models.CheckConstraint(
                condition=Q(checked_in=False) | Q(checked_in_at__isnull=False),
                name="registration_checkin_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="CONFIRMED") | Q(confirmed_at__isnull=False),
                name="registration_confirmed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_name} in {self.tournament_id}"

    @property
    def participant_name(self) -> str:
        if self.team_id is not None:
            return str(self.team)
        return str(self.user)


class Match(models.Model):
    class State(models.TextChoices):
        SCHEDULED = "SCHEDULED", "Scheduled"
        LIVE = "LIVE", "Live"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="matches")
    round = models.PositiveSmallIntegerField(default=1)
    side_a = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="matches_as_a")
    side_b = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="matches_as_b")
    state = models.CharField(max_length=20, choices=State.choices, default=State.SCHEDULED)
    winner = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.CASCADE, related_name="matches_won"
    )
    is_forfeit = models.BooleanField(default=False)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "matches"
        constraints = [
            models.CheckConstraint(condition=~Q(side_a=models.F("side_b")), name="match_two_distinct_sides"),
            models.CheckConstraint(
                condition=~Q(state="COMPLETED") | Q(completed_at__isnull=False),
                name="match_completed_has_time",
            ),
            models.CheckConstraint(
                condition=Q(winner__isnull=True) | Q(winner=models.F("side_a")) | Q(winner=models.F("side_b")),
                name="match_winner_is_a_side",
            ),
            # A forfeit is lost by one side: the other is the winner (a draw cannot be a forfeit).
            models.CheckConstraint(
                condition=Q(is_forfeit=False) | Q(winner__isnull=False),
                name="match_forfeit_has_winner",
                violation_error_message="A forfeit needs a winner: the side that did not forfeit.",
            ),
        ]
        indexes = [models.Index(fields=["tournament", "round"])]

    def __str__(self) -> str:
        return f"Match {self.pk} (round {self.round})"


class TournamentResult(models.Model):
    """A final placement of one registration (player or team) in a tournament."""

    tournament = models.ForeignKey(Tournament, on_delete=models.CASCADE, related_name="results")
    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="results")
    placement = models.PositiveSmallIntegerField()
    prize = models.PositiveBigIntegerField(default=0, help_text="In DC coins.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tournament", "registration"], name="result_one_per_registration"),
            models.CheckConstraint(condition=Q(placement__gte=1), name="result_placement_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.placement} in {self.tournament_id}"
