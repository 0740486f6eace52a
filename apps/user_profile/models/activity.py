"""The append-only activity log: one immutable row per thing that happened to a player."""

from typing import Any, NoReturn

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

# The event types and their shared facts live in event_types; ECONOMY_EVENT_TYPES is the coin-event set under
# the name the API imports.
from apps.user_profile.models.event_types import COIN_EVENT_TYPES as ECONOMY_EVENT_TYPES
from apps.user_profile.models.event_types import ActivityEventType

__all__ = ["ECONOMY_EVENT_TYPES", "ActivityEventType", "ImmutableActivityError", "UserActivity", "UserActivityQuerySet"]


class ImmutableActivityError(Exception):
    """Raised on any attempt to change or delete recorded activity outside the erase service."""

    def __init__(self, action: str) -> None:
        super().__init__(
            f"UserActivity is append-only: {action} is not allowed. Record a new event instead; to erase a "
            "user's history for privacy use apps.user_profile.services.account.user_activity_erase()."
        )


class UserActivityQuerySet(models.QuerySet["UserActivity"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise ImmutableActivityError("QuerySet.update()")

    def delete(self) -> NoReturn:
        raise ImmutableActivityError("QuerySet.delete()")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        raise ImmutableActivityError("bulk_update()")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableActivityError("update_or_create()")

    def _erase(self) -> int:
        """Delete rows for the privacy erase service only; the database trigger must be ignored around it."""
        deleted, _ = super().delete()
        return deleted

    def visible_to(self, *, viewer_id: int | None, owner_id: int, viewer_is_staff: bool) -> "UserActivityQuerySet":
        """Economy events are private to their owner and staff."""
        if viewer_is_staff or viewer_id == owner_id:
            return self
        return self.exclude(event_type__in=ECONOMY_EVENT_TYPES)


class UserActivity(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        # The erase service removes a user's events before the user row goes (see receivers).
        on_delete=models.DO_NOTHING,
        related_name="activities",
        db_index=False,  # the feed index (user, -timestamp, -id) serves lookups by user; one index less per insert
    )
    event_type = models.CharField(max_length=32, choices=ActivityEventType.choices)
    timestamp = models.DateTimeField(help_text="When it happened (the source's own time).")
    metadata = models.JSONField(default=dict, blank=True)
    source_model = models.CharField(max_length=64, help_text="app_label.model of the row this came from.")
    source_id = models.BigIntegerField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    objects = UserActivityQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "user activities"
        ordering = ["-timestamp", "-id"]
        constraints = [
            # The user is part of the key: one match or one team result produces an event for each player.
            models.UniqueConstraint(
                fields=["user", "source_model", "source_id", "event_type"], name="activity_idempotency_key"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-timestamp", "-id"], name="activity_feed"),
            models.Index(fields=["user", "event_type", "-timestamp", "-id"], name="activity_user_type"),
            models.Index(fields=["event_type", "timestamp"], name="activity_type_time"),
            models.Index(fields=["source_model", "source_id"], name="activity_source"),
            # A player's events in given tournaments (tournament history counts them per tournament).
            models.Index(
                "user",
                Cast(KeyTextTransform("tournament_id", "metadata"), models.BigIntegerField()),
                name="activity_user_tournament",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} for {self.user_id} at {self.timestamp:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableActivityError("saving an existing row")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableActivityError("delete()")

    @property
    def amount(self) -> int | None:
        value = self.metadata.get("amount")
        return int(value) if value is not None else None
