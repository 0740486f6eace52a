"""Prometheus metrics of the activity log (exported at /metrics)."""

from collections import Counter as Tally
from collections.abc import Iterable

from prometheus_client import Counter

EVENTS_RECORDED = Counter(
    "deltacrown_activity_events_recorded_total",
    "Activity events committed to the log, by event type.",
    ["event_type"],
)


def count_recorded_events(*, event_types: Iterable[str]) -> None:
    for event_type, count in Tally(event_types).items():
        EVENTS_RECORDED.labels(event_type=event_type).inc(count)
