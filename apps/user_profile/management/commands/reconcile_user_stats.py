"""manage.py reconcile_user_stats: compare stored stats with the activity log; fix and alert on drift."""

import argparse
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.user_profile.services.reconcile import ReconcileReport, stats_reconcile
from apps.user_profile.services.sharding import shard_parse

THRESHOLD_EXCEEDED_EXIT = 2


class Command(BaseCommand):
    help = (
        "Recompute every player's stats from the activity log in set-based batches, print drifted players "
        "and fields, optionally fix them under row locks, and record the run. Safe while the API serves."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--user-id", type=int, action="append", dest="user_ids", help="Only this player.")
        parser.add_argument("--fix", action="store_true", help="Rewrite drifted players' stats from the log.")
        parser.add_argument(
            "--threshold", type=float, default=None, help="Exit with status 2 when drift %% exceeds PCT."
        )
        parser.add_argument("--shard", type=str, default=None, help="K/N: only players with id %% N == K-1.")
        parser.add_argument("--batch-size", type=int, default=1000, help="Players per aggregate query.")

    def handle(self, *args: Any, **options: Any) -> None:
        threshold = options["threshold"]
        if threshold is not None and not 0 <= threshold <= 100:
            raise CommandError(f"--threshold is a percentage between 0 and 100, got {threshold}.")
        try:
            shard = shard_parse(options["shard"]) if options["shard"] else None
            report = stats_reconcile(
                user_ids=options["user_ids"], fix=options["fix"], shard=shard, batch_size=options["batch_size"]
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self._print(report)
        if threshold is not None and report.drift_percent > threshold:
            raise CommandError(
                f"Drift {report.drift_percent:.2f}% exceeds the threshold of {threshold}%.",
                returncode=THRESHOLD_EXCEEDED_EXIT,
            )

    def _print(self, report: ReconcileReport) -> None:
        for row in report.drifts:
            self.stdout.write(f"user {row.user_id}: {row.field} expected {row.expected}, stored {row.actual}")
        self.stdout.write(
            f"Checked {report.users_checked} players: {report.users_with_drift} with drift "
            f"({report.drift_percent:.2f}%), {report.fixed} fixed."
        )
