"""Prometheus metrics of the activity log (exported at /metrics)."""

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import Counter, Histogram

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


def observe_graphql_request(operation_name: str, seconds: float) -> None:
    GRAPHQL_REQUEST_DURATION.labels(operation_name=operation_name).observe(seconds)
