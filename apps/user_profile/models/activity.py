"""The append-only activity log: one immutable row per thing that happened to a player."""

from typing import Any, NoReturn

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

# The event types and their shared facts live in event_types; ECONOMY_EVENT_TYPES is the coin-event set under
# the name the API imports.
from apps.user_profile.event_types import COIN_EVENT_TYPES as ECONOMY_EVENT_TYPES
from apps.user_profile.event_types import ActivityEventType

__all__ = [
    "ECONOMY_EVENT_TYPES",
    "WRITER_SETTING",
    "WRITER_TOKEN",
    "ActivityEventType",
    "DirectActivityInsertError",
    "ImmutableActivityError",
    "UserActivity",
    "UserActivityQuerySet",
]

# The session setting the recording service sets (transaction-local) before inserting; the log's insert
# trigger refuses rows from any transaction without it.
WRITER_SETTING = "deltacrown.activity_writer"
WRITER_TOKEN = "record_events"


class ImmutableActivityError(Exception):
    """Raised on any attempt to change or delete recorded activity outside the erase service."""

    def __init__(self, action: str) -> None:
        super().__init__(
            f"UserActivity is append-only: {action} is not allowed. Record a new event instead; to erase a "
            "user's history for privacy use apps.user_profile.services.account.user_activity_erase()."
        )


class DirectActivityInsertError(ImmutableActivityError):
    """Raised on an insert that bypasses the recording service (and so the event's stats change)."""

    def __init__(self, action: str) -> None:
        Exception.__init__(
            self,
            f"UserActivity rows are added only by apps.user_profile.services.events.record_events() (or "
            f"record_event()), which applies the event's stats change in the same transaction: {action} is not "
            "allowed.",
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

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise DirectActivityInsertError("bulk_create()")

    def _erase(self) -> int:
        """Delete rows for the privacy erase service only; the database trigger must be ignored around it."""
        deleted, _ = super().delete()
        return deleted

    def visible_to(
        self, *, viewer_id: int | None, owner_id: int, viewer_is_staff: bool, settings: Any = None
    ) -> "UserActivityQuerySet":
        """The events of `owner_id` the viewer may see, as apps.privacy.policy decides with the owner's
        settings (`settings`, or looked up when the viewer is neither the owner nor staff)."""
        from apps.privacy import policy  # the policy classifies this model's event types
        from apps.privacy.selectors import privacy_settings_for

        viewer = policy.Viewer(id=viewer_id, is_staff=viewer_is_staff)
        if policy.sees_everything(viewer=viewer, owner_id=owner_id):
            return self
        if settings is None:
            settings = privacy_settings_for(user_id=owner_id)
        hidden = policy.hidden_event_types(viewer=viewer, owner_id=owner_id, settings=settings)
        return self.exclude(event_type__in=sorted(hidden)) if hidden else self


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
            # Events of given types in given tournaments, every player (boards narrowed to a game: analytics).
            models.Index(
                "event_type",
                Cast(KeyTextTransform("tournament_id", "metadata"), models.BigIntegerField()),
                name="activity_type_tournament",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
            # Once per statement (record_events inserts one row per statement): a setting read, no row work.
            pgtrigger.Trigger(
                name="insert_through_service",
                operation=pgtrigger.Insert,
                when=pgtrigger.Before,
                level=pgtrigger.Statement,
                func=(
                    f"IF current_setting('{WRITER_SETTING}', true) IS DISTINCT FROM '{WRITER_TOKEN}' THEN "
                    "RAISE EXCEPTION 'user_profile_useractivity: insert events through "
                    "apps.user_profile.services.events.record_events(), which also applies their stats'; "
                    "END IF; RETURN NULL;"
                ),
            ),
            # TRUNCATE fires no row trigger, so append_only alone let it through (also via TRUNCATE ... CASCADE).
            pgtrigger.Trigger(
                name="no_truncate",
                operation=pgtrigger.Truncate,
                when=pgtrigger.Before,
                level=pgtrigger.Statement,
                func=(
                    "RAISE EXCEPTION 'user_profile_useractivity is append-only: TRUNCATE is not allowed; erase a "
                    "player with apps.user_profile.services.account.user_activity_erase()'; RETURN NULL;"
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} for {self.user_id} at {self.timestamp:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> NoReturn:
        if not self._state.adding:
            raise ImmutableActivityError("saving an existing row")
        raise DirectActivityInsertError("saving a new row (objects.create(), save(), get_or_create())")

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise ImmutableActivityError("delete()")

    @property
    def amount(self) -> int | None:
        value = self.metadata.get("amount")
        return int(value) if value is not None else None
