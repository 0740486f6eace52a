import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from apps.user_profile.models import UserActivity
from apps.user_profile.services.backfill import runner

pytestmark = pytest.mark.django_db

ACTIVITY = UserActivity._meta.db_table
PARTITIONS = 16


def plan_nodes(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def activity_reads(sql: str, user_ids: list[int]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", {"user_ids": user_ids, "recorded_at": timezone.now()})
        plan = cursor.fetchone()[0]
    root = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    return [
        node["Node Type"]
        for node in plan_nodes(root)
        # the log, or one of its partitions (it is hash-partitioned by player)
        if re.fullmatch(rf"{ACTIVITY}(_p\d+)?", str(node.get("Relation Name"))) and node["Node Type"] != "ModifyTable"
    ]


def test_batch_insert_never_reads_the_activity_log() -> None:
    # given an empty log, as on the first backfill of a platform, with fresh statistics
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ACTIVITY}")

    # when the batch insert is planned
    reads = activity_reads(runner.INSERT_SQL, list(range(1, 501)))

    # then events already there are left to the idempotency key's ON CONFLICT, not to a scan planned from
    # statistics (an empty log made that a scan of the whole log per candidate while parallel shards filled it)
    assert reads == []


def test_dry_run_probes_the_log_for_existing_events() -> None:
    # given / when a dry run is planned
    reads = activity_reads(runner.DRY_RUN_SQL, list(range(1, 501)))

    # then it is the one that looks events up (it inserts nothing, so ON CONFLICT cannot skip them): one probe
    # of the log, which is one per partition
    assert len(reads) in {1, PARTITIONS}
