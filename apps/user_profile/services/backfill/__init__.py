from apps.user_profile.services.backfill.runner import BackfillReport, activity_backfill

__all__ = ["BackfillReport", "activity_backfill"]
