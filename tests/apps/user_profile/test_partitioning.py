"""The activity log is hash-partitioned by player: every partition keeps the log's protections, a player's
events live in one partition, and a player's reads touch that partition only."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import ProgrammingError, connection, transaction

from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors.activity import activity_feed_queryset
from apps.user_profile.services.events import record_event
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)
LOG = UserActivity._meta.db_table
PARTITIONS = 16
BEFORE = "0011_activity_stream"  # the last migration before the log was partitioned


def partitions() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [LOG],
        )
        return [row[0] for row in cursor.fetchall()]


def partition_of(user_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT tableoid::regclass::text FROM {LOG} WHERE user_id = %s", [user_id])
        rows = cursor.fetchall()
    assert len(rows) == 1, rows
    return str(rows[0][0])


def record(user_id: int, source_id: int, *, at: datetime = T0) -> int:
    activity_id = record_event(
        user_id=user_id,
        event_type=E.TEAM_JOINED,
        timestamp=at,
        source_model="teams.teammembership",
        source_id=source_id,
    )
    assert activity_id is not None
    return activity_id


def scanned_relations(plan: dict[str, Any]) -> list[str]:
    found = [plan["Relation Name"]] if "Relation Name" in plan else []
    for child in plan.get("Plans", []):
        found += scanned_relations(child)
    return found


def test_the_log_is_hash_partitioned_by_player_and_every_partition_is_protected() -> None:
    # given / when the migrated log
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_partkeydef(%s::regclass)", [LOG])
        (key,) = cursor.fetchone()
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
            "(SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)",
            [LOG],
        )
        triggers = cursor.fetchall()

    # then it is split by player into PARTITIONS partitions, each with the three guards of the log
    assert key == "HASH (user_id)"
    assert partitions() == [f"{LOG}_p{r:02d}" for r in range(PARTITIONS)]
    for partition in partitions():
        names = {name for table, name in triggers if table == partition}
        assert {n.split("_")[1] for n in names} >= {"append", "insert", "no"}, (partition, names)
        assert len(names) == 3


def test_a_players_events_live_in_one_partition_and_the_key_stays_idempotent() -> None:
    # given players with several events each
    players = UserFactory.create_batch(4)
    for player in players:
        for source_id in range(3):
            record(player.pk, source_id)

    # when an event is recorded again
    again = record_event(
        user_id=players[0].pk,
        event_type=E.TEAM_JOINED,
        timestamp=T0,
        source_model="teams.teammembership",
        source_id=0,
    )

    # then each player's events sit together in one partition, and the repeat is skipped
    for player in players:
        assert partition_of(player.pk).startswith(f"{LOG}_p")
    assert again is None
    assert UserActivity.objects.count() == 12


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE {partition} SET metadata = '{{}}'",
        "DELETE FROM {partition}",
        "INSERT INTO {partition} (user_id, event_type, timestamp, metadata, source_model, source_id, recorded_at) "
        "SELECT user_id, event_type, timestamp, metadata, source_model, source_id + 1, recorded_at FROM {partition}",
    ],
    ids=["update", "delete", "insert"],
)
# Transactional: the recording service's admission lasts until its transaction ends, a test's included.
@pytest.mark.django_db(transaction=True)
def test_a_partition_written_directly_refuses_like_the_log(sql: str) -> None:
    # given an event, in its player's partition
    player = UserFactory()
    activity_id = record(player.pk, 1)
    partition = partition_of(player.pk)

    # when / then writing the partition itself (not through the log) is refused just the same
    with pytest.raises(ProgrammingError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.format(partition=partition))
    assert list(UserActivity.objects.values_list("id", flat=True)) == [activity_id]


@pytest.mark.django_db(transaction=True)
def test_a_partition_refuses_truncate() -> None:
    # given an event, in its player's partition
    player = UserFactory()
    record(player.pk, 1)
    partition = partition_of(player.pk)

    # when / then
    with pytest.raises(ProgrammingError, match="TRUNCATE"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {partition}")
    assert UserActivity.objects.filter(user=player).count() == 1


def test_a_players_feed_reads_only_that_players_partition() -> None:
    # given two players' events (in any partitions), with fresh statistics
    player, other = UserFactory.create_batch(2)
    for source_id in range(5):
        record(player.pk, source_id, at=T0 + timedelta(minutes=source_id))
        record(other.pk, source_id, at=T0 + timedelta(minutes=source_id))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {LOG}")

    # when the player's feed page is planned
    feed = activity_feed_queryset(owner_id=player.pk, viewer_id=player.pk, viewer_is_staff=False)
    plan = json.loads(feed.order_by("-timestamp", "-id")[:20].explain(format="json"))[0]["Plan"]

    # then it reads the player's partition, and no other
    assert set(scanned_relations(plan)) == {partition_of(player.pk)}


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_partitioning_migration_reverses_and_applies_again_keeping_every_event() -> None:
    # given a partitioned log with events
    players = UserFactory.create_batch(3)
    recorded = sorted(record(player.pk, source_id) for player in players for source_id in range(4))

    # when it is migrated back to a plain table, then partitioned again
    call_command("migrate", "user_profile", BEFORE, verbosity=0)
    plain_partitions = partitions()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal", [LOG])
        plain_triggers = len(cursor.fetchall())
    after_reverse = sorted(UserActivity.objects.values_list("id", flat=True))
    call_command("migrate", verbosity=0)

    # then both ways kept every event and the guards; numbering goes on after the last event
    assert plain_partitions == []
    assert plain_triggers == 3
    assert after_reverse == recorded
    assert sorted(UserActivity.objects.values_list("id", flat=True)) == recorded
    assert len(partitions()) == PARTITIONS
    assert record(players[0].pk, 99) > recorded[-1]
