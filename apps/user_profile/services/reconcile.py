"""Reconciliation: compare every player's stored stats with a recomputation from the activity log.

Set-based: players are walked in user-id batches; each batch costs one aggregate query over the events and
one read of the stored rows, taken in one REPEATABLE READ snapshot so that an event committed between the
two reads (the API keeps serving during a run) is never mistaken for drift. Fixing goes through
stats_recompute, which locks the stats row before re-reading the events, so an event recorded concurrently
is either counted by the fix or applied on top of the corrected row, never lost.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from apps.user_profile.event_types import STORED_FIELDS
from apps.user_profile.models import ReconcileRun, UserProfileStats
from apps.user_profile.services.backfill.runner import backfill_runs_abandon_stale
from apps.user_profile.services.sharding import Shard, batch_size_validate, player_id_batches, shard_validate
from apps.user_profile.services.stats import empty_stats, stats_expected_from_events, stats_recompute


class PlayerNotFoundError(ValueError):
    """A player asked for by id does not exist (a typo must not pass as "checked 0 players")."""


def players_require(*, user_ids: list[int]) -> None:
    found = set(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    missing = sorted(set(user_ids) - found)
    if len(missing) == 1:
        raise PlayerNotFoundError(f"No player with id {missing[0]}.")
    if missing:
        raise PlayerNotFoundError(f"No players with ids {', '.join(map(str, missing))}.")


@dataclass(frozen=True)
class StatsDriftRow:
    user_id: int
    field: str
    expected: Any
    actual: Any


@dataclass
class ReconcileReport:
    users_checked: int = 0
    users_with_drift: int = 0
    fixed: int = 0
    drifts: list[StatsDriftRow] = field(default_factory=list)
    run: ReconcileRun | None = None  # the recorded run

    @property
    def drift_percent(self) -> float:
        """Share of checked players with at least one drifted field, in percent (0.0 when none checked)."""
        return 100.0 * self.users_with_drift / self.users_checked if self.users_checked else 0.0

    @property
    def drifted_user_ids(self) -> list[int]:
        return sorted({row.user_id for row in self.drifts})


@contextmanager
def _snapshot() -> Iterator[None]:
    """A read transaction whose queries all see one snapshot (unless the caller already holds a transaction)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def stats_drift_for_batch(*, user_ids: list[int], contiguous: bool) -> list[StatsDriftRow]:
    """Drifted fields of one batch of players: one aggregate query plus one read of the stored rows."""
    with _snapshot():
        if contiguous:
            expected_by_user = stats_expected_from_events(id_range=(user_ids[0], user_ids[-1] + 1))
        else:
            expected_by_user = stats_expected_from_events(user_ids=user_ids)
        stored = {
            row["user_id"]: row
            for row in UserProfileStats.objects.filter(user_id__in=user_ids).values("user_id", *STORED_FIELDS)
        }
    zero = empty_stats()
    drifts: list[StatsDriftRow] = []
    for user_id in user_ids:
        expected = expected_by_user.get(user_id, zero)
        actual = stored.get(user_id, zero)  # a missing stats row reads as all zero, never an error
        drifts += [
            StatsDriftRow(user_id=user_id, field=name, expected=expected[name], actual=actual[name])
            for name in STORED_FIELDS
            if expected[name] != actual[name]
        ]
    return drifts


def _run_start(*, user_ids: list[int] | None, shard: Shard | None, fix: bool) -> ReconcileRun:
    if user_ids is not None:
        scope = ReconcileRun.Scope.USERS
    elif shard is not None:
        scope = ReconcileRun.Scope.SHARD
    else:
        scope = ReconcileRun.Scope.ALL
    return ReconcileRun.objects.create(
        started_at=timezone.now(),
        scope=scope,
        shard_index=shard[0] if shard else None,
        shard_count=shard[1] if shard else None,
        fix=fix,
    )


def stats_reconcile(
    *,
    user_ids: list[int] | None = None,
    fix: bool = False,
    shard: Shard | None = None,
    batch_size: int = 1000,
    record_run: bool = True,
    on_batch: Callable[[ReconcileReport], None] | None = None,
) -> ReconcileReport:
    """Check (and with `fix`, correct) the stats of all players, of `user_ids`, or of one shard.

    `shard=(k, n)` takes the players with `id % n == k - 1` (1 <= k <= n); the n shards of one run together
    check exactly the players a single run checks. `on_batch` is called with the running report after each
    batch (progress display). The run is recorded as a ReconcileRun unless `record_run` is False. Unknown
    `user_ids` raise PlayerNotFoundError before anything is recorded.
    """
    shard_validate(shard)
    batch_size_validate(batch_size)
    if user_ids is not None:
        players_require(user_ids=user_ids)
    report = ReconcileReport()
    backfill_runs_abandon_stale()  # the nightly reconcile also closes backfills killed since
    if record_run:
        report.run = _run_start(user_ids=user_ids, shard=shard, fix=fix)
    contiguous = shard is None and user_ids is None
    for batch in player_id_batches(batch_size=batch_size, shard=shard, user_ids=user_ids):
        drifts = stats_drift_for_batch(user_ids=batch, contiguous=contiguous)
        drifted = sorted({row.user_id for row in drifts})
        report.users_checked += len(batch)
        report.users_with_drift += len(drifted)
        report.drifts += drifts
        if fix:
            for user_id in drifted:
                stats_recompute(user_id=user_id)
            report.fixed += len(drifted)
        if on_batch is not None:
            on_batch(report)
    if report.run is not None:
        run = report.run
        run.finished_at = timezone.now()
        run.users_checked = report.users_checked
        run.users_with_drift = report.users_with_drift
        run.fixed = report.fixed
        run.drift_percent = report.drift_percent
        run.save(update_fields=["finished_at", "users_checked", "users_with_drift", "fixed", "drift_percent"])
    return report
