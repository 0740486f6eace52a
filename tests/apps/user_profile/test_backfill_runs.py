"""A killed backfill does not stay "running": runs beat per batch, and a silent one is marked abandoned."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.user_profile.models import BackfillRun
from apps.user_profile.services.backfill import BackfillReport, activity_backfill
from apps.user_profile.services.reconcile import stats_reconcile
from tests.apps.user_profile.test_metrics import scrape
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def killed_run(*, silent_for: timedelta, shard: tuple[int, int] | None = None) -> BackfillRun:
    """What a backfill killed mid-run leaves behind: no finished_at, a last beat `silent_for` ago."""
    beat = timezone.now() - silent_for
    return BackfillRun.objects.create(
        started_at=beat - timedelta(minutes=5),
        updated_at=beat,
        shard_index=shard[0] if shard else None,
        shard_count=shard[1] if shard else None,
        users_total=10,
        users_processed=4,
    )


def test_a_silent_run_is_not_reported_running_but_abandoned(settings):
    # given
    settings.BACKFILL_STALE_AFTER_MINUTES = 30
    killed_run(silent_for=timedelta(hours=2))
    # when
    metrics = scrape()
    # then
    shard = (("shard", "all"),)
    assert metrics[("deltacrown_backfill_running", shard)] == 0
    assert metrics[("deltacrown_backfill_abandoned", shard)] == 1


def test_a_run_with_a_fresh_heartbeat_is_running_and_left_alone(settings):
    # given: another shard's run, alive
    settings.BACKFILL_STALE_AFTER_MINUTES = 30
    alive = killed_run(silent_for=timedelta(minutes=5), shard=(2, 2))
    UserFactory()
    # when
    activity_backfill(shard=(1, 2))
    metrics = scrape()
    # then
    alive.refresh_from_db()
    assert alive.status == BackfillRun.Status.RUNNING
    assert metrics[("deltacrown_backfill_running", (("shard", "2/2"),))] == 1
    assert metrics[("deltacrown_backfill_abandoned", (("shard", "2/2"),))] == 0


def test_the_next_backfill_marks_a_silent_run_abandoned_and_reports_its_own(settings):
    # given
    settings.BACKFILL_STALE_AFTER_MINUTES = 30
    killed = killed_run(silent_for=timedelta(hours=2))
    UserFactory.create_batch(3)
    # when
    report = activity_backfill(batch_size=1)
    metrics = scrape()
    # then
    killed.refresh_from_db()
    assert killed.status == BackfillRun.Status.ABANDONED
    assert killed.finished_at is None
    assert report.run is not None
    assert report.run.status == BackfillRun.Status.FINISHED
    shard = (("shard", "all"),)
    assert (metrics[("deltacrown_backfill_running", shard)], metrics[("deltacrown_backfill_abandoned", shard)]) == (
        0,
        0,
    )


def test_reconcile_marks_a_silent_run_abandoned(settings):
    # given
    settings.BACKFILL_STALE_AFTER_MINUTES = 10
    killed = killed_run(silent_for=timedelta(minutes=11))
    fresh = killed_run(silent_for=timedelta(minutes=1), shard=(1, 2))
    # when
    stats_reconcile()
    # then
    killed.refresh_from_db()
    fresh.refresh_from_db()
    assert (killed.status, fresh.status) == (BackfillRun.Status.ABANDONED, BackfillRun.Status.RUNNING)


def test_every_committed_batch_beats(settings):
    # given
    UserFactory.create_batch(3)
    beats: list[datetime] = []

    def beat(report: BackfillReport) -> None:
        assert report.run is not None
        beats.append(BackfillRun.objects.get(pk=report.run.pk).updated_at)

    # when
    report = activity_backfill(batch_size=1, on_batch=beat)
    # then: one beat per batch, each later than the one before
    assert report.run is not None
    assert len(beats) == 3
    assert beats == sorted(beats)
    assert len(set(beats)) == 3
