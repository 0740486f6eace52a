"""Read replicas against a real streaming replica (scripts/ensure-replica.sh): routing, read-your-writes after a
viewer's write, lag fallback, and a replica stopped mid-run. Transactional tests: a replica sees only what the
primary committed."""

import time

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client
from prometheus_client import CollectorRegistry, generate_latest

from apps.api_tokens.services import api_token_create
from apps.privacy.services import privacy_settings_update
from apps.user_profile.metrics import DatabaseStateCollector
from config.db_router import read_alias, read_connection, replica_reads
from config.replicas import replica_for_reads, replica_states
from tests.config.replica import replay_paused, replica_start, replica_stop, wait_until_replayed
from tests.factories import UserFactory
from tests.schema.conftest import graphql

REPLICA_TEST = pytest.mark.django_db(transaction=True, databases=["default", "replica_1"])

ME = "{ me { privacySettings { economyPublic activityPublic } } }"
HIDE_ACTIVITY = "mutation { updatePrivacySettings(activityPublic: false) { activityPublic } }"


def _in_recovery() -> bool:
    with read_connection().cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        return bool(cursor.fetchone()[0])


def _wait_until_usable(timeout: float = 180) -> None:
    """Until the replica has caught up again: replayed what the primary wrote, and measured within the lag
    threshold (on a shared primary other clients' writes may keep it replaying for a while)."""
    wait_until_replayed()
    deadline = time.monotonic() + timeout
    while replica_for_reads() is None and time.monotonic() < deadline:
        time.sleep(0.1)


def _metrics() -> str:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseStateCollector())
    return generate_latest(registry).decode()


@pytest.mark.django_db
def test_with_no_replica_configured_every_read_runs_on_the_primary(settings) -> None:
    # given no replica configured
    settings.DATABASE_REPLICAS = []

    # when replica-safe work reads
    with replica_reads(allowed=True):
        alias, queryset_db = read_alias(), User.objects.all().db

    # then it reads on the primary
    assert alias == queryset_db == "default"


@REPLICA_TEST
def test_replica_safe_reads_run_on_the_replica_and_writes_on_the_primary(replicas_on: None) -> None:
    # given a player committed on the primary and replayed by the replica
    player = UserFactory(username="replicated")
    wait_until_replayed()

    # when replica-safe work reads and writes
    with replica_reads(allowed=True):
        read_db, raw_on_standby = User.objects.all().db, _in_recovery()
        found = User.objects.get(pk=player.pk)
        write_db = User.objects.select_for_update().db
        renamed = UserFactory(username="written")

    # then the reads ran on the standby, the write on the primary
    assert read_db == "replica_1"
    assert raw_on_standby is True
    assert found.username == "replicated"
    assert write_db == "default"
    assert User.objects.using("default").filter(pk=renamed.pk).exists()
    # and work not marked replica-safe reads on the primary
    assert read_alias() == "default"
    assert _in_recovery() is False


@REPLICA_TEST
def test_a_query_reads_from_the_replica_until_the_viewer_writes_then_from_the_primary(
    replicas_on: None, settings
) -> None:
    # given a token client's player, replayed; then the replica holds back while coins become public (a write
    # that is not the viewer's own: an admin's, say)
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 300  # held back, but not skipped
    player = UserFactory()
    _, raw = api_token_create(user=player, name="cli")
    token = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    wait_until_replayed()
    client = Client()
    with replay_paused():
        privacy_settings_update(user=player, economy_public=True, activity_public=None)

        # when the player queries, writes through the API, and queries again
        before = graphql(client, ME, **token)
        wrote = graphql(client, HIDE_ACTIVITY, **token)
        after = graphql(client, ME, **token)

    # then the first query read the replica (the change not yet replayed), the write went to the primary, and
    # the query after it read the primary: both changes, though the replica still had neither
    assert before["data"] == {"me": {"privacySettings": {"economyPublic": False, "activityPublic": True}}}
    assert wrote["data"] == {"updatePrivacySettings": {"activityPublic": False}}
    assert after["data"] == {"me": {"privacySettings": {"economyPublic": True, "activityPublic": False}}}


@REPLICA_TEST
def test_a_replica_lagging_past_the_threshold_is_skipped_until_it_catches_up(replicas_on: None, settings) -> None:
    # given a replica within a lag threshold of 2 s
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 2
    _wait_until_usable()
    assert replica_for_reads() == "replica_1"

    # when the replica stops replaying while the primary writes, for longer than the threshold
    with replay_paused():
        UserFactory()
        time.sleep(3)
        lagging = replica_states()[0]
        with replica_reads(allowed=True):
            alias_while_lagging = read_alias()
        metrics_while_lagging = _metrics()

    # then it was measured behind, skipped and reported; once it replays again it serves reads again
    assert lagging.up is True
    assert lagging.lag_seconds > 2
    assert alias_while_lagging == "default"
    assert 'deltacrown_replica_usable{replica="replica_1"} 0.0' in metrics_while_lagging
    _wait_until_usable()
    assert replica_states()[0].lag_seconds <= 2
    assert replica_for_reads() == "replica_1"
    assert 'deltacrown_replica_usable{replica="replica_1"} 1.0' in _metrics()


@pytest.mark.parametrize("via", ["api", "page"])
@REPLICA_TEST
def test_a_replica_stopped_mid_run_is_skipped_and_the_reads_are_answered_by_the_primary(
    replicas_on: None, settings, via: str
) -> None:
    # given a player whose reads go to the replica (this thread, where pages run, already connected to it)
    player = UserFactory()
    _, raw = api_token_create(user=player, name="cli")
    client = Client()
    client.force_login(player)
    wait_until_replayed()
    with replica_reads(allowed=True):
        assert _in_recovery() is True
    settings.DATABASE_REPLICA_CHECK_SECONDS = 3600  # the router trusts its last measurement: the replica is "up"
    try:
        # when the replica stops, and the player reads through the API or a page
        replica_stop()
        if via == "api":
            body = graphql(client, ME, HTTP_AUTHORIZATION=f"Bearer {raw}")
            status, answered = (
                body["_status"],
                body["data"] == {"me": {"privacySettings": {"economyPublic": False, "activityPublic": True}}},
            )
        else:
            page = client.get("/me/settings/")
            status, answered = page.status_code, 'name="activity_public" checked' in page.content.decode()
        states = replica_states()

        # then the read is answered (from the primary) and the replica is marked down
        assert (status, answered) == (200, True)
        assert states[0].up is False
        settings.DATABASE_REPLICA_CHECK_SECONDS = 0
        assert replica_for_reads() is None
        assert 'deltacrown_replica_usable{replica="replica_1"} 0.0' in _metrics()
        assert 'deltacrown_replica_lag_seconds{replica="replica_1"} +Inf' in _metrics()
    finally:
        replica_start()
        connections["replica_1"].close()

    # and once it is back, it serves reads again
    _wait_until_usable()
    assert replica_for_reads() == "replica_1"


@REPLICA_TEST
def test_a_page_reads_from_the_replica_until_its_viewer_posts_then_from_the_primary(
    replicas_on: None, settings
) -> None:
    # given a signed-in player, replayed; then the replica holds back while coins become public
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 300
    player = UserFactory()
    client = Client()
    client.force_login(player)
    wait_until_replayed()
    with replay_paused():
        privacy_settings_update(user=player, economy_public=True, activity_public=None)

        # when the player reads the settings page, saves it, and reads it again
        before = client.get("/me/settings/").content.decode()
        saved = client.post("/me/settings/", {"economy_public": "on"})
        after = client.get("/me/settings/").content.decode()

    # then the first read came from the replica (not yet replayed), the one after the save from the primary
    assert 'name="economy_public" checked' not in before
    assert saved.status_code == 302
    assert 'name="economy_public" checked' in after
    assert 'name="activity_public" checked' not in after
