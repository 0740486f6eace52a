"""Prometheus metrics of the activity log (exported at /metrics).

Two kinds: in-process instruments (events recorded, GraphQL latency), and state read from the database at
scrape time (last reconcile run, backfill progress, newest event), which is the same whichever process
serves the scrape and whichever process (a cron job, a worker) did the work.
"""

from collections import Counter as Tally
from collections.abc import Iterable, Iterator

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

EVENTS_RECORDED = Counter(
    "deltacrown_activity_events_recorded_total",
    "Activity events committed to the log, by event type.",
    ["event_type"],
)


def count_recorded_events(*, event_types: Iterable[str]) -> None:
    for event_type, count in Tally(event_types).items():
        EVENTS_RECORDED.labels(event_type=event_type).inc(count)


GRAPHQL_REQUEST_DURATION = Histogram(
    "deltacrown_graphql_request_duration_seconds",
    "Time to execute one GraphQL operation, by operation name.",
    ["operation_name"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)


# Clients choose operation names: past this many distinct ones, new names share one series, so a client
# sending random names cannot grow the process's memory or the metrics store without bound.
MAX_OPERATION_NAMES = 200
OVERFLOW_OPERATION_NAME = "other"
_operation_names: set[str] = set()


def observe_graphql_request(operation_name: str, seconds: float) -> None:
    if operation_name not in _operation_names:
        if len(_operation_names) >= MAX_OPERATION_NAMES:
            operation_name = OVERFLOW_OPERATION_NAME
        else:
            _operation_names.add(operation_name)
    GRAPHQL_REQUEST_DURATION.labels(operation_name=operation_name).observe(seconds)


class DatabaseStateCollector(Collector):
    """Operational state kept in the database: reconcile result, backfill progress, newest event.

    Reconcile gauges describe the latest configuration: after a full run, one series `shard="all"`; after
    sharded runs K/N, one series per shard 1/N … N/N with each shard's latest run (a shard that never ran
    reports timestamp 0, so the staleness alert catches it).
    """

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from _reconcile_families()
        yield from _backfill_families()
        yield from _log_families()
        yield from _switch_families()
        yield from _replica_families()


def _gauge(name: str, documentation: str, labels: list[str] | None = None) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, labels=labels)


def _reconcile_families() -> Iterator[GaugeMetricFamily]:
    from apps.user_profile.models import ReconcileRun

    families = {
        "timestamp": _gauge(
            "deltacrown_reconcile_last_run_timestamp_seconds", "When the last reconcile run finished.", ["shard"]
        ),
        "checked": _gauge("deltacrown_reconcile_last_checked_users", "Players checked by the last run.", ["shard"]),
        "drifted": _gauge("deltacrown_reconcile_last_drift_users", "Players with drift in the last run.", ["shard"]),
        "percent": _gauge(
            "deltacrown_reconcile_last_drift_percent", "Share of checked players with drift, percent.", ["shard"]
        ),
        "fixed": _gauge("deltacrown_reconcile_last_fixed_users", "Players fixed by the last run.", ["shard"]),
    }
    finished = ReconcileRun.objects.filter(finished_at__isnull=False).exclude(scope=ReconcileRun.Scope.USERS)
    latest = finished.order_by("-finished_at", "-id").first()
    if latest is not None:
        runs: dict[str, ReconcileRun | None] = {"all": latest}
        if latest.shard_count is not None:
            newest_first = finished.order_by("-finished_at", "-id")
            runs = {
                f"{k}/{latest.shard_count}": newest_first.filter(shard_index=k, shard_count=latest.shard_count).first()
                for k in range(1, latest.shard_count + 1)
            }
        for label, run in runs.items():
            families["timestamp"].add_metric([label], run.finished_at.timestamp() if run and run.finished_at else 0)
            families["checked"].add_metric([label], run.users_checked if run else 0)
            families["drifted"].add_metric([label], run.users_with_drift if run else 0)
            families["percent"].add_metric([label], run.drift_percent if run else 0)
            families["fixed"].add_metric([label], run.fixed if run else 0)
    yield from families.values()


def _backfill_families() -> Iterator[GaugeMetricFamily]:
    from apps.user_profile.models import BackfillRun

    total = _gauge("deltacrown_backfill_players_total", "Players in scope of the latest backfill run.", ["shard"])
    done = _gauge("deltacrown_backfill_players_processed", "Players processed by the latest backfill run.", ["shard"])
    created = _gauge("deltacrown_backfill_events_created", "Events created by the latest backfill run.", ["shard"])
    running = _gauge(
        "deltacrown_backfill_running", "1 while the latest backfill run is running with a fresh heartbeat.", ["shard"]
    )
    abandoned = _gauge(
        "deltacrown_backfill_abandoned",
        "1 when the latest backfill run stopped without finishing (abandoned, or no heartbeat for too long).",
        ["shard"],
    )
    updated = _gauge(
        "deltacrown_backfill_last_update_timestamp_seconds", "When the latest backfill run last committed.", ["shard"]
    )
    from apps.user_profile.services.backfill.runner import backfill_stale_before

    stale_before = backfill_stale_before()
    seen: set[str] = set()
    for run in BackfillRun.objects.filter(dry_run=False).order_by("-started_at", "-id")[:64]:
        if run.shard_label in seen:
            continue
        seen.add(run.shard_label)
        labels = [run.shard_label]
        total.add_metric(labels, run.users_total)
        done.add_metric(labels, run.users_processed)
        created.add_metric(labels, run.events_created)
        # The truth even before the next run marks it: a run whose process died stops beating.
        alive = run.status == BackfillRun.Status.RUNNING and run.updated_at >= stale_before
        running.add_metric(labels, 1 if alive else 0)
        abandoned.add_metric(labels, 0 if alive or run.status == BackfillRun.Status.FINISHED else 1)
        updated.add_metric(labels, run.updated_at.timestamp())
    yield from (total, done, created, running, abandoned, updated)


def _log_families() -> Iterator[GaugeMetricFamily]:
    from apps.user_profile.models import UserActivity

    newest = UserActivity.objects.order_by("-id").values_list("recorded_at", flat=True).first()
    family = _gauge(
        "deltacrown_activity_last_event_recorded_timestamp_seconds",
        "When the newest event entered the log (0 when the log is empty), whichever process recorded it.",
    )
    family.add_metric([], newest.timestamp() if newest else 0)
    yield family


def _switch_families() -> Iterator[GaugeMetricFamily]:
    from apps.user_profile.services.events import live_stats_enabled

    family = _gauge(
        "deltacrown_live_stats_enabled",
        "1 while events update player stats as they are recorded; 0 while ACTIVITY_LIVE_STATS=0 (incident mode).",
    )
    family.add_metric([], 1 if live_stats_enabled() else 0)
    yield family


def _replica_families() -> Iterator[GaugeMetricFamily]:
    """Each read replica as this process last measured it (again now when older than the check interval)."""
    from config.replicas import replica_states

    lag = _gauge(
        "deltacrown_replica_lag_seconds",
        "Replay lag of a read replica behind the primary (+Inf while it does not answer).",
        ["replica"],
    )
    usable = _gauge(
        "deltacrown_replica_usable",
        "1 while a read replica serves reads; 0 while it is down or lags past DATABASE_REPLICA_MAX_LAG_SECONDS.",
        ["replica"],
    )
    for state in replica_states():
        lag.add_metric([state.alias], state.lag_seconds)
        usable.add_metric([state.alias], 1 if state.usable else 0)
    yield lag
    yield usable
