"""Generate a realistic platform: plan the rows, COPY them in, then build the activity log with the backfill."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from apps.benchmarks.services.history import activity_history_build
from apps.benchmarks.services.plan import platform_plan
from apps.benchmarks.services.writer import platform_write


@dataclass
class GenerationReport:
    rows_written: dict[str, int]
    expected_events: dict[str, int]
    seconds: dict[str, float] = field(default_factory=dict)
    events_created: int | None = None  # by the backfill, when it ran

    @property
    def expected_event_total(self) -> int:
        return sum(self.expected_events.values())


def default_until() -> datetime:
    """Midnight UTC today: the same seed gives the same platform all day long."""
    return timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)


def platform_generate(
    *,
    users: int,
    events: int,
    seed: int,
    until: datetime | None = None,
    build_events: bool = True,
    log: Callable[[str], None] = lambda message: None,
) -> GenerationReport:
    """Fill an empty database with a platform of `users` players and about `events` events.

    With build_events the product's backfill then derives the activity log and the stats from the domain
    rows; without it the domain tables are filled and the log is left for a later backfill run.
    """
    started = time.perf_counter()
    plan = platform_plan(users=users, events=events, seed=seed, until=until or default_until())
    planned = time.perf_counter()
    log(f"planned {sum(len(t.rows) for t in plan.tables):,} rows in {planned - started:.1f}s")
    rows_written = platform_write(plan=plan)
    written = time.perf_counter()
    log(f"wrote the domain tables in {written - planned:.1f}s")
    report = GenerationReport(
        rows_written=rows_written,
        expected_events={str(event_type): count for event_type, count in sorted(plan.expected_events.items())},
        seconds={"plan": planned - started, "write": written - planned},
    )
    if build_events:
        backfill = activity_history_build()
        report.events_created = backfill.events_created
        report.seconds["backfill"] = time.perf_counter() - written
        log(f"built the activity log ({backfill.events_created:,} events) in {report.seconds['backfill']:.1f}s")
    return report
