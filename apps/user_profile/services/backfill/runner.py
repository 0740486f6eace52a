"""Backfill the activity log from the domain history, one batch of players per transaction.

Each batch inserts every missing event of its players with one `INSERT … SELECT … ON CONFLICT DO NOTHING`
(the SQL in candidates.py) and recomputes the stats of the players who got new events, then records its
progress, all in one transaction. So a run killed at any point leaves only whole batches behind, and a
second run (or the rest of a killed one) inserts exactly what is still missing: resuming is re-running.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from apps.user_profile.models import BackfillRun
from apps.user_profile.models.activity import WRITER_SETTING, WRITER_TOKEN
from apps.user_profile.services.backfill.candidates import COLUMNS, INSERT_ORDER, candidates_cte
from apps.user_profile.services.backfill.stats_sql import T_ACTIVITY, stats_recompute_batch
from apps.user_profile.services.sharding import (
    Shard,
    batch_size_validate,
    player_id_batches,
    players_in_scope_count,
    shard_validate,
)

DEADLOCK_RETRIES = 3

# Events already in the log are skipped by ON CONFLICT on the idempotency key: that always probes the unique
# index. A NOT EXISTS filter in front of it would be planned from the log's statistics, and on a fresh log
# (tiny when the batch is planned) it becomes a scan of the whole log per candidate, while other shards or
# live traffic fill it during the statement: one batch of two parallel shards took minutes that way.
INSERT_SQL = f"""{candidates_cte()},
inserted AS (
    INSERT INTO {T_ACTIVITY} ({COLUMNS}, recorded_at)
    SELECT {COLUMNS}, %(recorded_at)s FROM candidates
    ORDER BY {INSERT_ORDER}  -- keeps the user-led indexes' inserts close together
    ON CONFLICT (user_id, source_model, source_id, event_type) DO NOTHING
    RETURNING user_id, event_type
)
SELECT event_type, user_id, COUNT(*) FROM inserted GROUP BY event_type, user_id"""

# A dry run writes nothing: only live traffic adds to the log while it runs, no batch of its own.
DRY_RUN_SQL = f"""{candidates_cte()}
SELECT c.event_type, c.user_id, COUNT(*) FROM candidates c
WHERE NOT EXISTS (
    SELECT 1 FROM {T_ACTIVITY} a WHERE a.user_id = c.user_id AND a.source_model = c.source_model
    AND a.source_id = c.source_id AND a.event_type = c.event_type
)
GROUP BY c.event_type, c.user_id"""

# The sort of a batch's new events (user order, above) fits in memory instead of spilling to disk. The same
# statement admits the batch's inserts past the log's insert trigger: like record_events, the backfill writes
# the events' stats in the same transaction (stats_recompute_batch).
BATCH_SETTINGS = f"SELECT set_config('work_mem', '64MB', true), set_config('{WRITER_SETTING}', '{WRITER_TOKEN}', true)"


@dataclass
class BackfillReport:
    dry_run: bool
    users_total: int = 0
    users_processed: int = 0
    batches: int = 0
    created: Counter[str] = field(default_factory=Counter)  # per event type; "would create" for a dry run
    stats_recomputed: int = 0
    run: BackfillRun | None = None

    @property
    def events_created(self) -> int:
        return sum(self.created.values())


def backfill_stale_before(*, now: datetime | None = None) -> datetime:
    """Runs whose last heartbeat is older than this are presumed killed (BACKFILL_STALE_AFTER_MINUTES)."""
    return (now or timezone.now()) - timedelta(minutes=settings.BACKFILL_STALE_AFTER_MINUTES)


def backfill_runs_abandon_stale(*, now: datetime | None = None) -> int:
    """Mark running runs without a heartbeat for BACKFILL_STALE_AFTER_MINUTES abandoned; returns how many.

    A killed process cannot record its own end, so the next backfill or reconcile does; a live run beats with
    every committed batch and is left alone (another shard may well be running now).
    """
    return BackfillRun.objects.filter(
        status=BackfillRun.Status.RUNNING, updated_at__lt=backfill_stale_before(now=now)
    ).update(status=BackfillRun.Status.ABANDONED)


def _batch_insert(*, user_ids: list[int], dry_run: bool) -> tuple[Counter[str], set[int]]:
    sql = DRY_RUN_SQL if dry_run else INSERT_SQL
    with connection.cursor() as cursor:
        cursor.execute(BATCH_SETTINGS)
        cursor.execute(sql, {"user_ids": user_ids, "recorded_at": timezone.now()})
        rows = cursor.fetchall()
    # One row per (event type, player): a hash aggregate, where DISTINCT per type would sort every new event.
    created: Counter[str] = Counter()
    for event_type, _, count in rows:
        created[event_type] += count
    affected = {user_id for _, user_id, _ in rows}
    return created, affected


def _is_deadlock(error: OperationalError) -> bool:
    return getattr(getattr(error, "__cause__", None), "sqlstate", None) == "40P01"


def _run_batch(*, user_ids: list[int], dry_run: bool, report: BackfillReport) -> None:
    """One batch in one transaction; retried when PostgreSQL picks it as a deadlock victim (live traffic)."""
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            with transaction.atomic():
                created, affected = _batch_insert(user_ids=user_ids, dry_run=dry_run)
                recomputed = 0 if dry_run else stats_recompute_batch(user_ids=sorted(affected))
                if report.run is not None:
                    run = report.run
                    run.users_processed = report.users_processed + len(user_ids)
                    run.events_created = report.events_created + sum(created.values())
                    run.updated_at = timezone.now()
                    run.save(update_fields=["users_processed", "events_created", "updated_at"])
            break
        except OperationalError as error:
            if attempt == DEADLOCK_RETRIES or not _is_deadlock(error) or connection.in_atomic_block:
                raise
    report.users_processed += len(user_ids)
    report.batches += 1
    report.created += created
    report.stats_recomputed += recomputed


def activity_backfill(
    *,
    batch_size: int = 500,
    shard: Shard | None = None,
    dry_run: bool = False,
    record_run: bool = True,
    on_batch: Callable[[BackfillReport], None] | None = None,
) -> BackfillReport:
    """Create every event the live integration would have recorded for past history, then fix the stats.

    Players are taken in id order, `batch_size` per transaction; `shard=(k, n)` takes the players with
    `id % n == k - 1`, so n workers with shards 1/n … n/n together do exactly one full run. A dry run
    counts per event type what would be created and writes nothing, not even a run record.
    """
    shard_validate(shard)
    batch_size_validate(batch_size)
    report = BackfillReport(dry_run=dry_run, users_total=players_in_scope_count(shard=shard))
    if not dry_run:
        backfill_runs_abandon_stale()
    if record_run and not dry_run:
        now = timezone.now()
        report.run = BackfillRun.objects.create(
            started_at=now,
            updated_at=now,
            shard_index=shard[0] if shard else None,
            shard_count=shard[1] if shard else None,
            dry_run=dry_run,
            users_total=report.users_total,
        )
    for user_ids in player_id_batches(batch_size=batch_size, shard=shard):
        _run_batch(user_ids=user_ids, dry_run=dry_run, report=report)
        if on_batch is not None:
            on_batch(report)
    if report.run is not None:
        report.run.finished_at = timezone.now()
        report.run.status = BackfillRun.Status.FINISHED
        report.run.save(update_fields=["finished_at", "status"])
    return report
