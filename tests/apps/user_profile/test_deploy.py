"""The dashboard and alert rules under deploy/ only use metrics that /metrics really exports."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from apps.user_profile.metrics import count_recorded_events, observe_graphql_request
from apps.user_profile.services.backfill import activity_backfill
from apps.user_profile.services.reconcile import stats_reconcile
from tests.factories import UserFactory

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
METRIC_NAME = re.compile(r"\bdeltacrown_[a-z0-9_]+\b")

pytestmark = pytest.mark.django_db


def _dashboard_expressions() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana-dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def _alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load((DEPLOY / "prometheus-alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def _exported_sample_names() -> set[str]:
    # every family gets samples: an event counted, a GraphQL operation timed, a reconcile and a backfill run
    UserFactory.create_batch(2)
    count_recorded_events(event_types=["match_played"])
    observe_graphql_request("Feed", 0.01)
    stats_reconcile()
    activity_backfill()
    response = Client().get("/metrics")
    assert response.status_code == 200
    return {
        sample.name for family in text_string_to_metric_families(response.content.decode()) for sample in family.samples
    }


def test_every_metric_in_the_dashboard_and_alert_rules_is_exported():
    # given
    used = {name for expr in _dashboard_expressions() for name in METRIC_NAME.findall(expr)}
    used |= {name for rule in _alert_rules() for name in METRIC_NAME.findall(rule["expr"])}
    # when
    exported = _exported_sample_names()
    # then
    assert used - exported == set()
    assert len(used) >= 10  # the files were read, not silently empty


def test_alert_rules_cover_drift_staleness_and_silence():
    # given
    rules = {rule["alert"]: rule for rule in _alert_rules()}
    # then
    assert set(rules) == {
        "DeltaCrownStatsDriftHigh",
        "DeltaCrownReconcileNotRun",
        "DeltaCrownNoEventsRecorded",
        "DeltaCrownLiveStatsOff",
        "DeltaCrownBackfillStale",
    }
    assert "> 1" in rules["DeltaCrownStatsDriftHigh"]["expr"]
    assert "26 * 3600" in rules["DeltaCrownReconcileNotRun"]["expr"]
    assert "> 3600" in rules["DeltaCrownNoEventsRecorded"]["expr"]
    assert (rules["DeltaCrownLiveStatsOff"]["expr"], rules["DeltaCrownLiveStatsOff"]["for"]) == (
        "min(deltacrown_live_stats_enabled) == 0",
        "30m",
    )
    for rule in rules.values():
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["annotations"]["summary"]


def test_dashboard_has_the_panels_operations_needs():
    # given
    expressions = "\n".join(_dashboard_expressions())
    # then
    assert "increase(deltacrown_activity_events_recorded_total[1d])" in expressions
    assert "deltacrown_reconcile_last_drift_users" in expressions
    assert "histogram_quantile(0.95" in expressions
    assert 'operation_name=~"$feed_operation"' in expressions
    assert "deltacrown_backfill_players_processed" in expressions


def test_crontab_schedules_the_reconcile_command_with_a_threshold():
    # given
    lines = [line for line in (DEPLOY / "crontab").read_text().splitlines() if line and not line.startswith("#")]
    jobs = [line for line in lines if "manage.py" in line]
    # then
    assert len(jobs) == 1
    fields = jobs[0].split()
    assert len(fields[:5]) == 5
    assert all(re.fullmatch(r"[0-9*/,-]+", field) for field in fields[:5])
    assert "reconcile_user_stats --fix --threshold 1" in jobs[0]


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus); the alert rules were not checked")
    return subprocess.run([promtool, *args], cwd=DEPLOY, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.django_db(databases=[])
def test_alert_rules_pass_promtool_check():
    # when
    result = _promtool("check", "rules", "prometheus-alerts.yml")
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(_alert_rules())} rules found" in result.stdout


@pytest.mark.django_db(databases=[])
def test_alert_rules_fire_and_stay_quiet_as_their_unit_tests_expect():
    # given: the unit tests cover the drift, stale-backfill and live-stats alerts
    cases = (DEPLOY / "prometheus-alerts.test.yml").read_text()
    for alert in ("DeltaCrownStatsDriftHigh", "DeltaCrownBackfillStale", "DeltaCrownLiveStatsOff"):
        assert f"alertname: {alert}" in cases
    # when
    result = _promtool("test", "rules", "prometheus-alerts.test.yml")
    # then
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
