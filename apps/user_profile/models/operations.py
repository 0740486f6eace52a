"""Records of operational runs (stats reconciliation), read by admins and the /metrics endpoint."""

from django.db import models


class ReconcileRun(models.Model):
    """One run of the stats reconciliation: what it checked, what drifted, what it fixed."""

    class Scope(models.TextChoices):
        ALL = "all", "All players"
        SHARD = "shard", "One shard of the players"
        USERS = "users", "Selected players"

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True, help_text="Empty while running or if it crashed.")
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.ALL)
    shard_index = models.PositiveIntegerField(null=True, blank=True, help_text="K of --shard K/N (1-based).")
    shard_count = models.PositiveIntegerField(null=True, blank=True, help_text="N of --shard K/N.")
    fix = models.BooleanField(default=False, help_text="Whether drifted players were corrected.")
    users_checked = models.PositiveIntegerField(default=0)
    users_with_drift = models.PositiveIntegerField(default=0)
    fixed = models.PositiveIntegerField(default=0)
    drift_percent = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["scope", "-finished_at"], name="reconcile_run_latest")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shard_index__isnull=True, shard_count__isnull=True)
                | models.Q(shard_index__gte=1, shard_index__lte=models.F("shard_count")),
                name="reconcile_run_shard_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(users_with_drift__lte=models.F("users_checked")),
                name="reconcile_run_drift_le_checked",
            ),
        ]

    def __str__(self) -> str:
        return f"Reconcile {self.started_at:%Y-%m-%d %H:%M} ({self.shard_label}): {self.users_with_drift} drifted"

    @property
    def shard_label(self) -> str:
        if self.shard_index is None:
            return "all" if self.scope == self.Scope.ALL else self.scope
        return f"{self.shard_index}/{self.shard_count}"


class BackfillRun(models.Model):
    """One run of the activity backfill; its progress and heartbeat (updated_at) move with every committed batch."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        # No heartbeat for BACKFILL_STALE_AFTER_MINUTES: the process was killed; re-running resumes its work.
        ABANDONED = "abandoned", "Abandoned"

    started_at = models.DateTimeField()
    updated_at = models.DateTimeField(help_text="Heartbeat: when the run last committed a batch.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    finished_at = models.DateTimeField(null=True, blank=True, help_text="Empty while running or if interrupted.")
    shard_index = models.PositiveIntegerField(null=True, blank=True, help_text="K of --shard K/N (1-based).")
    shard_count = models.PositiveIntegerField(null=True, blank=True, help_text="N of --shard K/N.")
    dry_run = models.BooleanField(default=False)
    users_total = models.PositiveIntegerField(default=0, help_text="Players in scope when the run started.")
    users_processed = models.PositiveIntegerField(default=0)
    events_created = models.PositiveBigIntegerField(default=0, help_text="Would be created, for a dry run.")

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shard_index__isnull=True, shard_count__isnull=True)
                | models.Q(shard_index__gte=1, shard_index__lte=models.F("shard_count")),
                name="backfill_run_shard_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="finished", finished_at__isnull=False)
                | models.Q(status__in=["running", "abandoned"], finished_at__isnull=True),
                name="backfill_run_finished_iff_finished_at",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Backfill {self.started_at:%Y-%m-%d %H:%M} ({self.shard_label}): {self.users_processed}/{self.users_total}"
        )

    @property
    def shard_label(self) -> str:
        return "all" if self.shard_index is None else f"{self.shard_index}/{self.shard_count}"
