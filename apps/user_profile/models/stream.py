"""The live stream's order: each live-recorded event's number in its player's commit order.

`UserActivity.id` is drawn when a row is inserted, and the recording statements insert before they take the
player's stats row lock (services/sources.py, the backfill), so ids of one player may commit out of order:
resuming a stream by id could skip an event committed late with a lower id. `seq` is assigned under that
lock, which is held to commit: per player it is gapless and in commit order (docs/realtime.md).
"""

from django.conf import settings
from django.db import models

from apps.user_profile.models.activity import UserActivity


class ActivityStreamEntry(models.Model):
    activity = models.OneToOneField(
        UserActivity,
        primary_key=True,
        related_name="+",
        # Entries are made from existing events in their transaction, and the erase service removes a player's
        # entries with their events. No database constraint: the log's own TRUNCATE guard stays the one answer
        # to a TRUNCATE of the log (a foreign key would refuse it first, with another message).
        on_delete=models.DO_NOTHING,
        db_constraint=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,  # the (user, seq) key serves lookups by user
    )
    seq = models.BigIntegerField(help_text="1, 2, 3… per player, in the order the events committed.")

    class Meta:
        verbose_name_plural = "activity stream entries"
        constraints = [
            models.UniqueConstraint(fields=["user", "seq"], name="activity_stream_user_seq"),
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="activity_stream_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} of {self.user_id}: event {self.activity_id}"
