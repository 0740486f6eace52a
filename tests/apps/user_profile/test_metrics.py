import pytest
from django.db import connection
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from apps.user_profile.metrics import observe_graphql_request
from apps.user_profile.models import ReconcileRun, UserActivity
from apps.user_profile.services.backfill import activity_backfill
from apps.user_profile.services.reconcile import stats_reconcile
from tests.factories import UserFactory, enter, make_tournament

pytestmark = pytest.mark.django_db


def scrape(client: Client | None = None, **extra: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


@pytest.mark.django_db(transaction=True)
def test_committed_events_increase_the_counter_by_type():
    # given
    key = ("deltacrown_activity_events_recorded_total", (("event_type", "tournament_joined"),))
    before = scrape().get(key, 0.0)
    # when
    cup = make_tournament()
    enter(cup, UserFactory())
    enter(cup, UserFactory())
    # then
    assert scrape()[key] == before + 2


def test_graphql_latency_histogram_by_operation_name():
    # given
    count_key = ("deltacrown_graphql_request_duration_seconds_count", (("operation_name", "PlayerFeed"),))
    before = scrape().get(count_key, 0.0)
    # when
    observe_graphql_request("PlayerFeed", 0.004)
    observe_graphql_request("PlayerFeed", 0.3)
    # then
    after = scrape()
    assert after[count_key] == before + 2
    bucket = ("deltacrown_graphql_request_duration_seconds_bucket", (("le", "0.005"), ("operation_name", "PlayerFeed")))
    assert after[bucket] >= 1


def test_operation_names_past_the_cap_share_one_series(monkeypatch):
    # given: the cap already reached
    from apps.user_profile import metrics

    monkeypatch.setattr(metrics, "_operation_names", {f"Known{n}" for n in range(metrics.MAX_OPERATION_NAMES)})
    overflow_key = ("deltacrown_graphql_request_duration_seconds_count", (("operation_name", "other"),))
    before = scrape().get(overflow_key, 0.0)
    # when
    observe_graphql_request("RandomName1", 0.01)
    observe_graphql_request("RandomName2", 0.01)
    observe_graphql_request("Known3", 0.01)
    # then
    after = scrape()
    assert after[overflow_key] == before + 2
    assert not any(("operation_name", "RandomName1") in labels for _, labels in after)
    assert after[("deltacrown_graphql_request_duration_seconds_count", (("operation_name", "Known3"),))] >= 1


def test_last_reconcile_run_is_exported_from_the_database():
    # given
    players = UserFactory.create_batch(4)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE user_profile_userprofilestats SET teams_joined = 3 WHERE user_id = %s", [players[0].pk])
    # when
    report = stats_reconcile()
    metrics = scrape()
    # then
    shard = (("shard", "all"),)
    assert metrics[("deltacrown_reconcile_last_drift_users", shard)] == 1
    assert metrics[("deltacrown_reconcile_last_checked_users", shard)] == 4
    assert metrics[("deltacrown_reconcile_last_drift_percent", shard)] == 25.0
    assert metrics[("deltacrown_reconcile_last_fixed_users", shard)] == 0
    assert report.run is not None
    assert report.run.finished_at is not None
    assert metrics[("deltacrown_reconcile_last_run_timestamp_seconds", shard)] == pytest.approx(
        report.run.finished_at.timestamp()
    )


def test_sharded_reconcile_reports_every_shard_and_a_missing_one_as_never_run():
    # given
    UserFactory.create_batch(3)
    stats_reconcile()
    # when
    stats_reconcile(shard=(1, 2))
    metrics = scrape()
    # then: the latest configuration is 2 shards; shard 2/2 has not run yet
    assert ("deltacrown_reconcile_last_run_timestamp_seconds", (("shard", "all"),)) not in metrics
    assert metrics[("deltacrown_reconcile_last_run_timestamp_seconds", (("shard", "1/2"),))] > 0
    assert metrics[("deltacrown_reconcile_last_run_timestamp_seconds", (("shard", "2/2"),))] == 0


def test_no_reconcile_run_exports_no_reconcile_series_and_selected_player_runs_do_not_count():
    # given
    player = UserFactory()
    stats_reconcile(user_ids=[player.pk])
    # when
    metrics = scrape()
    # then
    assert ReconcileRun.objects.count() == 1
    assert not [name for name, _ in metrics if name.startswith("deltacrown_reconcile_")]


def test_backfill_progress_and_newest_event_are_exported():
    # given
    UserFactory.create_batch(3)
    assert scrape()[("deltacrown_activity_last_event_recorded_timestamp_seconds", ())] == 0
    # when
    activity_backfill(batch_size=2)
    activity_backfill(batch_size=2)  # the latest run of a shard is the one shown
    activity_backfill(dry_run=True)  # a dry run is not progress
    cup = make_tournament()
    enter(cup, UserFactory(), check_in=False)
    metrics = scrape()
    # then
    shard = (("shard", "all"),)
    assert metrics[("deltacrown_backfill_players_total", shard)] == 3
    assert metrics[("deltacrown_backfill_players_processed", shard)] == 3
    assert metrics[("deltacrown_backfill_running", shard)] == 0
    assert metrics[("deltacrown_backfill_events_created", shard)] == 0
    newest = UserActivity.objects.order_by("-id").first()
    assert newest is not None
    assert metrics[("deltacrown_activity_last_event_recorded_timestamp_seconds", ())] == pytest.approx(
        newest.recorded_at.timestamp()
    )


def test_other_hosts_are_refused_without_a_token():
    client = Client()
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    relayed = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert relayed.status_code == 403
    assert b"METRICS_TOKEN" in relayed.content
    assert client.post("/metrics").status_code == 405
    assert client.get("/metrics", REMOTE_ADDR="").status_code == 403


LOCAL_PROXY = ["127.0.0.1", "::1"]
PROXY_NETWORK = ["10.0.0.0/8"]


@pytest.mark.parametrize(
    ("peer", "headers", "trusted", "status"),
    [
        # direct requests: the peer is the client
        ("127.0.0.1", {}, [], 200),
        ("::1", {}, [], 200),
        ("::ffff:127.0.0.1", {}, [], 200),
        ("10.1.2.3", {}, [], 403),
        ("203.0.113.9", {}, LOCAL_PROXY, 403),
        # spoofed headers from an untrusted peer change nothing
        ("10.1.2.3", {"HTTP_X_FORWARDED_FOR": "127.0.0.1"}, [], 403),
        ("10.1.2.3", {"HTTP_FORWARDED": "for=127.0.0.1"}, [], 403),
        ("10.1.2.3", {"HTTP_X_CLIENT_IP": "127.0.0.1"}, [], 403),
        ("10.1.2.3", {"HTTP_TRUE_CLIENT_IP": "127.0.0.1"}, [], 403),
        ("10.1.2.3", {"HTTP_CF_CONNECTING_IP": "::1"}, [], 403),
        ("10.1.2.3", {"HTTP_X_REAL_IP": "127.0.0.1"}, [], 403),
        ("203.0.113.9", {"HTTP_X_FORWARDED_FOR": "127.0.0.1"}, LOCAL_PROXY, 403),
        # a local proxy missing from TRUSTED_PROXIES: every client would look like 127.0.0.1, so refused
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, [], 403),
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "127.0.0.1"}, [], 403),
        ("127.0.0.1", {"HTTP_X_REAL_IP": "203.0.113.9"}, [], 403),
        ("127.0.0.1", {"HTTP_TRUE_CLIENT_IP": "203.0.113.9"}, [], 403),
        # a trusted local proxy: the client it forwards decides
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "127.0.0.1"}, LOCAL_PROXY, 200),
        ("::1", {"HTTP_X_FORWARDED_FOR": "::1"}, LOCAL_PROXY, 200),
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, LOCAL_PROXY, 403),
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "127.0.0.1, 203.0.113.9"}, LOCAL_PROXY, 403),  # client-written left
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_X_REAL_IP": "127.0.0.1"}, LOCAL_PROXY, 403),
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_TRUE_CLIENT_IP": "::1"}, LOCAL_PROXY, 403),
        # a chain of trusted proxies
        ("10.0.0.2", {"HTTP_X_FORWARDED_FOR": "203.0.113.9, 10.0.0.7"}, PROXY_NETWORK, 403),
        ("10.0.0.2", {"HTTP_X_FORWARDED_FOR": "198.51.100.1, 127.0.0.1"}, [*PROXY_NETWORK, "127.0.0.1"], 403),
    ],
)
def test_loopback_rule_behind_proxies(settings, peer, headers, trusted, status):
    # given
    settings.TRUSTED_PROXIES = trusted
    # when
    response = Client().get("/metrics", REMOTE_ADDR=peer, **headers)
    # then
    assert response.status_code == status, response.content


@override_settings(METRICS_TOKEN="s3cret-token")
def test_a_token_is_required_when_configured():
    client = Client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="s3cret-token").status_code == 401
    ok = client.get("/metrics", REMOTE_ADDR="10.1.2.3", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert ok.status_code == 200
    assert b"deltacrown_activity_last_event_recorded_timestamp_seconds" in ok.content


def test_multiprocess_mode_reads_the_shared_directory(tmp_path, monkeypatch):
    # given: prometheus_client's multiprocess mode, with no process having written yet
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    # when
    metrics = scrape()
    # then: the in-process registry is not used, the database state still is
    assert not [name for name, _ in metrics if name.startswith(("python_", "process_"))]
    assert ("deltacrown_activity_last_event_recorded_timestamp_seconds", ()) in metrics


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"HTTP_FORWARDED": 'for="[::1]:51234"'}, 200),
        ({"HTTP_FORWARDED": "for=203.0.113.9"}, 403),
        ({"HTTP_FORWARDED": "for=203.0.113.9", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}, 403),
    ],
)
def test_loopback_rule_with_a_proxy_writing_forwarded(settings, headers, status):
    # given
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.TRUSTED_PROXY_HEADER = "forwarded"
    # when
    response = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", **headers)
    # then
    assert response.status_code == status, response.content
