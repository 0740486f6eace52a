import threading

import psycopg
import pytest
from django.db import connection, connections
from django.db.models import Sum

from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create
from apps.user_profile.models import UserProfileStats
from apps.user_profile.services import stats as stats_module
from apps.user_profile.services.reconcile import stats_reconcile
from tests.factories import UserFactory

WRITERS = 3
WRITES_PER_WRITER = 40


def _corrupt_all() -> None:
    # Relative, so the corruption itself never overwrites a concurrent increment.
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {UserProfileStats._meta.db_table} SET total_earned = total_earned + 1000")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fix_while_events_are_recorded_loses_no_increment():
    # given
    players = UserFactory.create_batch(4)
    start = threading.Barrier(WRITERS + 1)
    writers_done = threading.Event()
    errors: list[BaseException] = []
    fixes: list[int] = []

    def write(writer: int) -> None:
        try:
            start.wait()
            for n in range(WRITES_PER_WRITER):
                player = players[(writer + n) % len(players)]
                transaction_create(user=player, amount=1 + n % 7, reason="DAILY_REWARD", reference=f"{writer}-{n}")
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    def reconcile() -> None:
        try:
            start.wait()
            while True:
                _corrupt_all()
                fixes.append(stats_reconcile(fix=True, batch_size=2).fixed)
                # Stop right after a fix: a pass after the writers finished would repair, and so hide,
                # any increment an earlier concurrent fix lost.
                if writers_done.is_set():
                    return
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    fixer = threading.Thread(target=reconcile)
    # when
    for thread in [*threads, fixer]:
        thread.start()
    for thread in threads:
        thread.join()
    writers_done.set()
    fixer.join()
    # then
    assert errors == []
    assert len(fixes) >= 2
    assert all(fixed == len(players) for fixed in fixes)  # every pass found and fixed every corrupted row
    assert stats_reconcile(record_run=False).users_with_drift == 0
    earned = dict(DeltaCrownTransaction.objects.values_list("user_id").annotate(total=Sum("amount")))
    assert DeltaCrownTransaction.objects.count() == WRITERS * WRITES_PER_WRITER
    for player in players:
        assert UserProfileStats.objects.get(user=player).total_earned == earned[player.pk]


def _someone_waits_for_a_lock() -> bool:
    """Asked on a connection of its own: the fixer's transaction would see a frozen pg_stat_activity."""
    settings = connection.settings_dict
    with psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"] or 5432
    ) as probe:
        row = probe.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
        ).fetchone()
    return bool(row and row[0])


@pytest.mark.django_db(transaction=True)
def test_event_committed_between_the_fix_reading_events_and_writing_stats_is_not_lost(monkeypatch):
    # given: a drifted player, and a write that fires right after the fix has read the events
    player = UserFactory()
    transaction_create(user=player, amount=10, reason="DAILY_REWARD")
    _corrupt_all()
    errors: list[BaseException] = []
    real_expected = stats_module.stats_expected_from_events
    fired = threading.Event()

    def record_concurrently() -> None:
        try:
            transaction_create(user=player, amount=5, reason="DAILY_REWARD", reference="concurrent")
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    def read_then_let_an_event_in(**kwargs):
        expected = real_expected(**kwargs)
        if not fired.is_set():
            fired.set()
            writer = threading.Thread(target=record_concurrently)
            writer.start()
            # Go on once the write has committed, or is blocked on a lock this fix holds.
            while writer.is_alive() and not _someone_waits_for_a_lock():
                writer.join(0.01)
            pending.append(writer)
        return expected

    pending: list[threading.Thread] = []
    monkeypatch.setattr(stats_module, "stats_expected_from_events", read_then_let_an_event_in)
    # when
    report = stats_reconcile(fix=True)
    for writer in pending:
        writer.join()
    # then
    assert fired.is_set()
    assert errors == []
    assert report.fixed == 1
    assert UserProfileStats.objects.get(user=player).total_earned == 15
    assert stats_reconcile(record_run=False).users_with_drift == 0
