"""manage.py backfill_user_activity: create the events of past history, then recompute the stats touched."""

import argparse
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.user_profile.services.backfill import BackfillReport, activity_backfill
from apps.user_profile.services.sharding import shard_parse


class Command(BaseCommand):
    help = (
        "Create every activity event the live integration would have recorded for existing history "
        "(idempotent, resumable by re-running), then recompute the affected players' stats."
    )

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count per event type; write no event and no stat.")
        parser.add_argument("--batch-size", type=int, default=500, help="Players per transaction (default 500).")
        parser.add_argument("--shard", type=str, default=None, help="K/N: only players with id %% N == K-1.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            shard = shard_parse(options["shard"]) if options["shard"] else None
            started = time.monotonic()
            report = activity_backfill(
                batch_size=options["batch_size"],
                shard=shard,
                dry_run=options["dry_run"],
                on_batch=self._progress(started),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        if self.stdout.isatty():
            self.stdout.write("")
        self._summary(report, seconds=time.monotonic() - started)

    def _progress(self, started: float) -> Any:
        on_terminal = self.stdout.isatty()

        def show(report: BackfillReport) -> None:
            percent = 100.0 * report.users_processed / report.users_total if report.users_total else 100.0
            line = (
                f"{report.users_processed}/{report.users_total} players ({percent:.1f}%), "
                f"{report.events_created} events {'to create' if report.dry_run else 'created'}, "
                f"{time.monotonic() - started:.1f}s"
            )
            if on_terminal:
                self.stdout.write(f"\r{line}", ending="")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        return show

    def _summary(self, report: BackfillReport, *, seconds: float) -> None:
        verb = "Would create" if report.dry_run else "Created"
        for event_type, count in sorted(report.created.items()):
            self.stdout.write(f"  {event_type:<24} {count}")
        rate = report.events_created / seconds if seconds else 0.0
        self.stdout.write(
            f"{verb} {report.events_created} events for {report.users_processed} players in {seconds:.2f}s "
            f"({rate:,.0f} events/s); stats recomputed for {report.stats_recomputed} players."
        )
