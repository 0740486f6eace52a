from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from apps.benchmarks.services.generate import platform_generate
from apps.benchmarks.services.plan import PlanError
from apps.benchmarks.services.writer import PlatformNotEmptyError


class Command(BaseCommand):
    help = "Fill an empty database with a realistic, seeded platform, then build its activity log with the backfill."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--users", type=int, default=10_000)
        parser.add_argument("--events", type=int, default=1_000_000, help="About how many events the history makes.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--no-events", action="store_true", help="Fill the domain tables only; backfill later.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = platform_generate(
                users=options["users"],
                events=options["events"],
                seed=options["seed"],
                build_events=not options["no_events"],
                log=self.stdout.write,
            )
        except (PlanError, PlatformNotEmptyError) as error:
            raise CommandError(str(error)) from error
        for table, rows in report.rows_written.items():
            self.stdout.write(f"{table:40} {rows:>10,}")
        self.stdout.write(f"{'events (expected from the rules)':40} {report.expected_event_total:>10,}")
        if report.events_created is not None:
            self.stdout.write(f"{'events (created by the backfill)':40} {report.events_created:>10,}")
