"""Concurrent writers, each on its own database connection: threads and separate processes.

The same event recorded at once gives exactly one row and one increment; distinct events recorded at
once for one player lose no increment.
"""

import multiprocessing
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from apps.tournaments import services as tournaments
from apps.user_profile.models import ActivityEventType as E
from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.services.events import record_event
from apps.user_profile.services.stats import stats_drift, stats_expected_from_events
from tests.apps.user_profile import concurrency_workers
from tests.factories import UserFactory, enter, make_tournament

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

T0 = datetime(2026, 9, 1, 19, 0, tzinfo=UTC)
THREADS = 8
PROCESSES = 4


def run_in_threads(target: Callable[[int], Any], count: int) -> list[Any]:
    """Run target(i) in `count` threads released together; return results, re-raising any error."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            results[index] = target(index)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    if errors:
        raise errors[0]
    return results


def run_in_processes(jobs: list[tuple[int, list[int]]]) -> list[list[int]]:
    """Record match_played for (user_id, source_ids) jobs, one spawned process each, started together."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(jobs))
    results = context.Queue()
    database = {key: connection.settings_dict[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")}
    processes = [
        context.Process(
            target=concurrency_workers.record_events_in_process,
            args=(database, barrier, results, user_id, source_ids, T0),
        )
        for user_id, source_ids in jobs
    ]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    errors = [detail for status, detail in outcomes if status == "error"]
    assert errors == []
    return [detail for _, detail in outcomes]


def stats_of(user) -> UserProfileStats:
    return UserProfileStats.objects.get(user=user)


def test_concurrent_event_creation_no_conflicts():
    # given
    player = UserFactory()

    def record_same(_: int) -> int | None:
        return record_event(
            user_id=player.pk,
            event_type=E.COINS_EARNED,
            timestamp=T0,
            source_model="economy.deltacrowntransaction",
            source_id=77,
            metadata={"amount": 25},
        )

    # when
    ids = run_in_threads(record_same, THREADS)
    # then: one writer inserted, the others saw the conflict and changed nothing
    inserted = [activity_id for activity_id in ids if activity_id is not None]
    assert len(inserted) == 1
    assert list(UserActivity.objects.filter(user=player).values_list("id", flat=True)) == inserted
    assert stats_of(player).total_earned == 25


@pytest.mark.parametrize("stats_row", ["present", "missing"])
def test_concurrent_updates_no_lost_writes(stats_row):
    # given: the stats row exists, or is missing and created by whichever writer comes first
    player = UserFactory()
    if stats_row == "missing":
        UserProfileStats.objects.filter(user=player).delete()
    per_thread = 5

    def record_distinct(index: int) -> int:
        for n in range(per_thread):
            record_event(
                user_id=player.pk,
                event_type=E.MATCH_PLAYED,
                timestamp=T0,
                source_model="tournaments.match",
                source_id=index * 100 + n,
            )
        return per_thread

    # when
    run_in_threads(record_distinct, THREADS)
    # then
    assert stats_of(player).matches_played == THREADS * per_thread
    assert UserActivity.objects.filter(user=player).count() == THREADS * per_thread


def test_processes_recording_the_same_event_insert_one_row_and_one_increment():
    # given
    player = UserFactory()
    # when
    inserted = run_in_processes([(player.pk, [500])] * PROCESSES)
    # then
    assert sorted(len(ids) for ids in inserted) == [0] * (PROCESSES - 1) + [1]
    assert UserActivity.objects.filter(user=player).count() == 1
    assert stats_of(player).matches_played == 1


def test_processes_recording_distinct_events_lose_no_increment():
    # given
    player = UserFactory()
    jobs = [(player.pk, [1000 * (i + 1) + n for n in range(10)]) for i in range(PROCESSES)]
    # when
    inserted = run_in_processes(jobs)
    # then
    assert [len(ids) for ids in inserted] == [10] * PROCESSES
    assert stats_of(player).matches_played == 10 * PROCESSES
    expected = stats_expected_from_events(user_ids=[player.pk])[player.pk]
    assert stats_drift(stats=stats_of(player), expected=expected) == {}


def _wait_until_blocked_on_a_lock(backend_pid: int) -> bool:
    """Poll the server until the backend waits for a lock; False if it never does."""
    deadline = time.monotonic() + 30
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [backend_pid])
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                return True
            time.sleep(0.02)
    return False


def test_processes_recording_overlapping_batches_in_different_orders_never_deadlock():
    # given: 8 processes, each recording the same 200 coin events of one player, 50 per record_events call,
    # each in its own order, so every pair of batches inserts shared keys in opposite orders
    player = UserFactory()
    source_ids = list(range(1, 201))
    orders = [random.Random(seed).sample(source_ids, len(source_ids)) for seed in range(8)]
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(orders))
    results = context.Queue()
    database = {key: connection.settings_dict[key] for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT")}
    processes = [
        context.Process(
            target=concurrency_workers.record_batches_in_process,
            args=(database, barrier, results, player.pk, order, T0, 50),
        )
        for order in orders
    ]
    # when
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=180) for _ in processes]
    for process in processes:
        process.join(timeout=60)
    # then: no batch failed, every event is in the log once, and the stats count every coin
    assert [status for status, _ in outcomes] == ["ok"] * len(orders), outcomes
    errors = [error for _, (_, batch_errors) in outcomes for error in batch_errors]
    inserted = [activity_id for _, (ids, _) in outcomes for activity_id in ids]
    assert errors == []
    assert len(inserted) == len(set(inserted)) == 200
    assert UserActivity.objects.filter(user=player).count() == 200
    stats = UserProfileStats.objects.get(user=player)
    assert stats.total_earned == sum(source_ids)
    assert stats_drift(stats=stats, expected=stats_expected_from_events(user_ids=[player.pk])[player.pk]) == {}


def test_f_expression_prevents_race_condition():
    # given: writer A has incremented inside an open transaction; writer B increments the same row. A
    # read-then-write increment would have B write 0 + 1 over A's 1; `col = col + 1` waits and adds to it.
    player = UserFactory()
    a_incremented, release_a = threading.Event(), threading.Event()
    b_backend: list[int] = []
    errors: list[BaseException] = []

    def writer_a() -> None:
        try:
            with transaction.atomic():
                record_event(
                    user_id=player.pk,
                    event_type=E.MATCH_PLAYED,
                    timestamp=T0,
                    source_model="tournaments.match",
                    source_id=1,
                )
                a_incremented.set()
                release_a.wait(timeout=60)
        except BaseException as error:
            errors.append(error)
        finally:
            a_incremented.set()
            connection.close()

    def writer_b() -> None:
        try:
            a_incremented.wait(timeout=60)
            connection.ensure_connection()
            b_backend.append(connection.connection.info.backend_pid)
            record_event(
                user_id=player.pk,
                event_type=E.MATCH_PLAYED,
                timestamp=T0,
                source_model="tournaments.match",
                source_id=2,
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer_a), threading.Thread(target=writer_b)]
    for thread in threads:
        thread.start()
    # when: B is seen waiting for A's row lock, then A commits
    a_incremented.wait(timeout=60)
    deadline = time.monotonic() + 30
    while not b_backend and time.monotonic() < deadline:
        time.sleep(0.01)
    blocked = bool(b_backend) and _wait_until_blocked_on_a_lock(b_backend[0])
    release_a.set()
    for thread in threads:
        thread.join(timeout=60)
    # then: B's increment was computed on A's committed value, not on what B could read before
    assert errors == []
    assert blocked
    assert stats_of(player).matches_played == 2


def test_concurrent_tournament_completions():
    # given: players in several tournaments completed at the same moment
    players = [UserFactory() for _ in range(4)]
    cups = [make_tournament() for _ in range(THREADS)]
    for cup in cups:
        for player in players:
            enter(cup, player)

    def complete(index: int) -> None:
        tournaments.tournament_complete(tournament=cups[index], at=T0)

    # when
    run_in_threads(complete, THREADS)
    # then
    for player in players:
        assert stats_of(player).tournaments_completed == THREADS
    assert UserActivity.objects.filter(event_type=E.TOURNAMENT_COMPLETED).count() == THREADS * len(players)


def test_completing_one_tournament_at_once_records_its_completion_once():
    # given
    players = [UserFactory() for _ in range(3)]
    cup = make_tournament()
    for player in players:
        enter(cup, player)

    def complete(_: int) -> None:
        tournaments.tournament_complete(tournament=cup)

    # when
    run_in_threads(complete, THREADS)
    # then
    assert UserActivity.objects.filter(event_type=E.TOURNAMENT_COMPLETED).count() == len(players)
    assert [stats_of(p).tournaments_completed for p in players] == [1] * len(players)


def test_result_entered_while_the_tournament_completes_is_recorded():
    # given: the placement and the completion are written at the same moment
    rounds = 6
    for _ in range(rounds):
        winner = UserFactory()
        cup = make_tournament()
        registration = enter(cup, winner)

        def write(index: int, cup=cup, registration=registration) -> None:
            if index == 0:
                tournaments.tournament_result_record(tournament=cup, registration=registration, placement=1)
            else:
                tournaments.tournament_complete(tournament=cup)

        # when
        run_in_threads(write, 2)
        # then: whichever committed first, the other saw it
        assert stats_of(winner).tournaments_won == 1


def test_check_in_while_the_tournament_completes_is_counted_or_refused():
    # given: a check-in and the completion are written at the same moment
    rounds = 6
    for _ in range(rounds):
        player = UserFactory()
        cup = make_tournament()
        registration = enter(cup, player, check_in=False)
        refused: list[ValidationError] = []

        def write(index: int, cup=cup, registration=registration, refused=refused) -> None:
            if index == 0:
                try:
                    tournaments.registration_check_in(registration=registration)
                except ValidationError as error:
                    refused.append(error)
            else:
                tournaments.tournament_complete(tournament=cup)

        # when
        run_in_threads(write, 2)
        # then: a check-in that went through was seen by the completion; a late one was refused
        registration.refresh_from_db()
        assert registration.checked_in is not bool(refused)
        assert stats_of(player).tournaments_completed == int(registration.checked_in)
        assert stats_of(player).tournaments_played == int(registration.checked_in)
