from apps.user_profile.services.backfill.runner import BackfillReport, activity_backfill, backfill_runs_abandon_stale

__all__ = ["BackfillReport", "activity_backfill", "backfill_runs_abandon_stale"]
