"""The product's own backfill, run over the whole history the way an operator would run it."""

from apps.user_profile.services.backfill import BackfillReport, activity_backfill


def activity_history_build() -> BackfillReport:
    return activity_backfill()
