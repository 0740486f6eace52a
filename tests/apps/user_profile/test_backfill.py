import threading
from datetime import datetime, timedelta
from typing import Any

import pgtrigger
import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import OperationalError, connections
from django.utils import timezone

from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create
from apps.teams.services import team_member_add, team_member_remove
from apps.tournaments import services as tournaments
from apps.tournaments.models import Registration, Tournament
from apps.user_profile.event_types import STORED_FIELDS
from apps.user_profile.models import Achievement, BackfillRun, UserActivity, UserProfileStats
from apps.user_profile.services.achievements import achievement_unlock
from apps.user_profile.services.backfill import activity_backfill
from apps.user_profile.services.reconcile import stats_reconcile
from apps.user_profile.services.stats import empty_stats, stats_recompute
from tests.factories import UserFactory, enter, finish, make_team, make_tournament, play

pytestmark = pytest.mark.django_db

EventKey = tuple[int, str, str, int, datetime, str]


def build_history() -> list[User]:
    """A platform's past through the live services: every event type and every roster and result rule."""
    start = timezone.now() - timedelta(days=30)

    def at(hours: int) -> datetime:
        return start + timedelta(hours=hours)

    players = UserFactory.create_batch(9)
    alice, bob, carol, dave, erin, frank, gina, hank, ivan = players

    # Solo cup: a win, a draw, a forfeit against a no-show, a placement entered before and one after completion.
    cup = make_tournament(starts_at=at(0))
    ra, rb, rc, rd = (enter(cup, p, at=at(1)) for p in (alice, bob, carol, dave))
    pending = enter(cup, erin, confirm=False, at=at(1))
    unchecked = enter(cup, frank, check_in=False, at=at(1))
    play(cup, ra, rb, winner=ra, at=at(2))
    play(cup, rb, rc, winner=None, at=at(3))
    tournaments.registration_set_status(registration=rd, status=Registration.Status.NO_SHOW)
    play(cup, rc, rd, winner=rc, is_forfeit=True, at=at(4))
    tournaments.tournament_result_record(tournament=cup, registration=ra, placement=1, prize=500, at=at(5))
    cup = tournaments.tournament_complete(tournament=cup, at=at(6))
    tournaments.tournament_result_record(tournament=cup, registration=rb, placement=2, prize=200, at=at(7))
    tournaments.tournament_result_record(tournament=cup, registration=rc, placement=4, at=at(7))
    assert pending.status == Registration.Status.PENDING
    assert not unchecked.checked_in

    # Team cup with roster changes: gina leaves before check-in, hank joins after registering (and joins the
    # other team too before round 2), ivan leaves before round 2; frank is on both teams' history.
    wolves = make_team(members=[alice, gina, frank], joined_at=at(10))
    bears = make_team(members=[bob, ivan], joined_at=at(10))
    league = make_tournament(format=Tournament.Format.TEAM, starts_at=at(10))
    rw = tournaments.registration_confirm(
        registration=tournaments.registration_create(tournament=league, team=wolves, registered_at=at(11)), at=at(11)
    )
    team_member_add(team=wolves, user=hank, at=at(12))
    team_member_remove(team=wolves, user=gina, at=at(13))
    rw = tournaments.registration_check_in(registration=rw, at=at(14))
    rbr = enter(league, bears, at=at(14))
    play(league, rw, rbr, winner=rbr, at=at(15))
    team_member_remove(team=bears, user=ivan, at=at(16))
    team_member_add(team=bears, user=carol, at=at(16))
    team_member_add(team=bears, user=hank, at=at(16))  # on both rosters of round 2: no event for that match
    play(league, rw, rbr, winner=rw, round=2, at=at(17))
    owls = make_team(members=[dave, alice], joined_at=at(10))  # alice is on both wolves and owls
    rowls = enter(league, owls, check_in=False, at=at(14))
    rowls = tournaments.registration_set_status(registration=rowls, status=Registration.Status.NO_SHOW)
    play(league, rw, rowls, winner=rw, is_forfeit=True, round=3, at=at(17))  # nothing for alice nor the owls
    finish(league, [rw, rbr], at=at(18))
    team_member_remove(team=wolves, user=frank, at=at(19))
    team_member_add(team=bears, user=frank, at=at(20))

    # Economy and achievements.
    transaction_create(user=alice, amount=500, reason=DeltaCrownTransaction.Reason.TOURNAMENT_PRIZE, created_at=at(8))
    transaction_create(user=alice, amount=-120, reason=DeltaCrownTransaction.Reason.SHOP_PURCHASE, created_at=at(9))
    transaction_create(
        user=erin, amount=25, reason=DeltaCrownTransaction.Reason.DAILY_REWARD, reference="day-1", created_at=at(9)
    )
    first_win = Achievement.objects.create(code="first-win", name="First win")
    achievement_unlock(user=alice, achievement=first_win, unlocked_at=at(6))
    achievement_unlock(user=rbr.team.memberships.first().user, achievement=first_win, unlocked_at=at(18))
    return players


def event_set() -> set[EventKey]:
    return {
        (a.user_id, a.event_type, a.source_model, a.source_id, a.timestamp, repr(sorted(a.metadata.items())))
        for a in UserActivity.objects.all()
    }


def stats_by_user() -> dict[int, dict[str, Any]]:
    return {s.user_id: {name: getattr(s, name) for name in STORED_FIELDS} for s in UserProfileStats.objects.all()}


def erase_log_and_zero_stats() -> None:
    with pgtrigger.ignore("user_profile.UserActivity:append_only"):
        UserActivity.objects.all()._erase()
    UserProfileStats.objects.update(**empty_stats())


def test_backfill_reproduces_exactly_the_live_events_and_stats():
    # given
    build_history()
    live_events, live_stats = event_set(), stats_by_user()
    assert {key[1] for key in live_events} == {  # the history covers every event type
        "tournament_registered", "tournament_joined", "tournament_completed", "tournament_won",
        "tournament_runner_up", "tournament_top4", "match_played", "match_won", "match_lost", "match_drawn",
        "coins_earned", "coins_spent", "achievement_unlocked", "team_joined", "team_left",
    }  # fmt: skip
    erase_log_and_zero_stats()
    # when
    report = activity_backfill(batch_size=4)
    # then
    assert event_set() == live_events
    assert stats_by_user() == live_stats
    assert report.events_created == len(live_events)
    assert report.created["match_drawn"] == 2
    assert report.users_processed == report.users_total == User.objects.count()
    assert report.batches == -(-User.objects.count() // 4)


def test_dry_run_counts_per_type_and_writes_nothing():
    # given
    build_history()
    live_events = event_set()
    erase_log_and_zero_stats()
    # when
    report = activity_backfill(dry_run=True, batch_size=3)
    # then
    assert UserActivity.objects.count() == 0
    assert all(row == empty_stats() for row in stats_by_user().values())
    expected: dict[str, int] = {}
    for key in live_events:
        expected[key[1]] = expected.get(key[1], 0) + 1
    assert dict(report.created) == expected
    assert report.run is None
    assert not BackfillRun.objects.exists()


def test_second_run_creates_nothing_and_changes_no_stat():
    # given
    build_history()
    live_events, live_stats = event_set(), stats_by_user()
    # when
    report = activity_backfill()
    # then
    assert (report.events_created, report.stats_recomputed) == (0, 0)
    assert event_set() == live_events
    assert stats_by_user() == live_stats


def test_shards_together_do_exactly_one_full_run():
    # given
    build_history()
    live_events, live_stats = event_set(), stats_by_user()
    erase_log_and_zero_stats()
    # when
    reports = [activity_backfill(shard=(k, 3), batch_size=2) for k in (1, 2, 3)]
    # then
    assert event_set() == live_events
    assert stats_by_user() == live_stats
    assert sum(r.users_processed for r in reports) == User.objects.count()
    assert sum(r.events_created for r in reports) == len(live_events)
    assert [r.shard_label for r in BackfillRun.objects.order_by("id")] == ["1/3", "2/3", "3/3"]


class Interrupted(Exception):
    pass


def test_backfill_interrupted_after_a_batch_then_rerun_ends_as_one_clean_run():
    # given
    build_history()
    live_events, live_stats = event_set(), stats_by_user()
    erase_log_and_zero_stats()

    def crash_after_second_batch(report: Any) -> None:
        if report.batches == 2:
            raise Interrupted

    # when
    with pytest.raises(Interrupted):
        activity_backfill(batch_size=3, on_batch=crash_after_second_batch)
    # then: two whole batches are committed, the rest is missing
    partial_users = {key[0] for key in event_set()}
    assert 0 < len(event_set()) < len(live_events)
    assert partial_users <= set(User.objects.order_by("pk").values_list("pk", flat=True)[:6])
    interrupted = BackfillRun.objects.get()
    assert (interrupted.users_processed, interrupted.finished_at) == (6, None)
    # when
    activity_backfill(batch_size=3)
    # then
    assert event_set() == live_events
    assert stats_by_user() == live_stats


def test_backfill_failing_inside_a_batch_leaves_no_part_of_that_batch(monkeypatch):
    # given
    from apps.user_profile.services.backfill import runner

    build_history()
    live_events, live_stats = event_set(), stats_by_user()
    erase_log_and_zero_stats()
    calls = {"n": 0}
    real = runner.stats_recompute_batch

    def crash_on_third_batch(*, user_ids: list[int]) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise Interrupted  # events of this batch are inserted, its stats are not yet
        return real(user_ids=user_ids)

    monkeypatch.setattr(runner, "stats_recompute_batch", crash_on_third_batch)
    # when
    with pytest.raises(Interrupted):
        activity_backfill(batch_size=2)
    # then: the failed batch rolled back whole: stats match the events present
    after_crash = stats_by_user()
    for user_id in {key[0] for key in event_set()}:
        assert after_crash[user_id] == live_stats[user_id]
    # when
    monkeypatch.setattr(runner, "stats_recompute_batch", real)
    activity_backfill(batch_size=2)
    # then
    assert event_set() == live_events
    assert stats_by_user() == live_stats


def test_backfill_after_live_integration_recorded_part_adds_only_the_missing_events():
    # given: the live integration recorded the history of some players and some sources only
    players = build_history()
    live_events, live_stats = event_set(), stats_by_user()
    with pgtrigger.ignore("user_profile.UserActivity:append_only"):
        UserActivity.objects.filter(user__in=players[::2])._erase()
        UserActivity.objects.filter(source_model__in=["economy.deltacrowntransaction", "teams.teammembership"])._erase()
    for player in players:
        stats_recompute(user_id=player.pk)
    already = UserActivity.objects.count()
    assert 0 < already < len(live_events)
    # when
    report = activity_backfill(batch_size=4)
    # then
    assert report.events_created == len(live_events) - already
    assert UserActivity.objects.count() == len(live_events)  # no duplicates
    assert event_set() == live_events
    assert stats_by_user() == live_stats


def test_bad_arguments_are_refused_before_any_write():
    with pytest.raises(ValueError, match="batch_size"):
        activity_backfill(batch_size=0)
    with pytest.raises(ValueError, match="K <= N"):
        activity_backfill(shard=(0, 2))
    assert not BackfillRun.objects.exists()


class _Deadlock(Exception):
    sqlstate = "40P01"


def _deadlock_error() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = _Deadlock()
    return error


@pytest.mark.django_db(transaction=True)
def test_a_batch_chosen_as_deadlock_victim_is_retried(monkeypatch):
    # given
    from apps.user_profile.services.backfill import runner

    build_history()
    live_events = event_set()
    erase_log_and_zero_stats()
    real = runner._batch_insert
    failures = iter([_deadlock_error()])

    def deadlock_once(**kwargs: Any) -> Any:
        error = next(failures, None)
        if error is not None:
            raise error
        return real(**kwargs)

    monkeypatch.setattr(runner, "_batch_insert", deadlock_once)
    # when
    report = activity_backfill(batch_size=100)
    # then
    assert (report.batches, report.events_created) == (1, len(live_events))
    assert event_set() == live_events


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried(monkeypatch):
    # given
    from apps.user_profile.services.backfill import runner

    UserFactory()
    calls = []

    def fail(**kwargs: Any) -> Any:
        calls.append(kwargs)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(runner, "_batch_insert", fail)
    # when / then
    with pytest.raises(OperationalError, match="server closed"):
        activity_backfill()
    assert len(calls) == 1


def test_runs_describe_themselves():
    run = activity_backfill(shard=(1, 2)).run
    assert run is not None
    assert str(run).endswith("(1/2): 0/0")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_backfill_while_live_events_are_recorded_loses_and_duplicates_nothing():
    # given: history without its events, and a writer recording new coin events for the same players
    players = build_history()
    live_events = event_set()
    erase_log_and_zero_stats()
    start, errors = threading.Barrier(2), []

    def write() -> None:
        try:
            start.wait()
            for n in range(60):
                transaction_create(
                    user=players[n % len(players)], amount=1 + n % 5, reason="DAILY_REWARD", reference=f"live-{n}"
                )
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write)
    writer.start()
    # when
    start.wait()
    activity_backfill(batch_size=1)
    writer.join()
    # then
    assert errors == []
    new_events = event_set() - live_events
    assert live_events <= event_set()
    assert len(new_events) == 60
    assert {key[1] for key in new_events} == {"coins_earned"}
    assert UserActivity.objects.count() == len(live_events) + 60  # no duplicates
    assert stats_reconcile(record_run=False).users_with_drift == 0


def test_a_registration_of_a_completed_tournament_cannot_be_closed_so_history_stays_reproducible():
    # given
    player = UserFactory()
    cup = make_tournament()
    registration = enter(cup, player)
    finish(cup, [registration])
    # when / then
    with pytest.raises(ValidationError, match="is completed: its registrations are final"):
        tournaments.registration_set_status(registration=registration, status=Registration.Status.CANCELLED)
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.CONFIRMED
