import pytest
from django.contrib.auth.models import User
from django.db import connection

from apps.user_profile.models import ReconcileRun, UserProfileStats
from apps.user_profile.services.reconcile import StatsDriftRow, stats_reconcile
from apps.user_profile.services.sharding import player_id_batches, shard_parse
from tests.factories import UserFactory, enter, finish, make_tournament, play

pytestmark = pytest.mark.django_db


def _history() -> list[User]:
    players = UserFactory.create_batch(4)
    tournament = make_tournament()
    regs = [enter(tournament, player) for player in players]
    play(tournament, regs[0], regs[1], winner=regs[0])
    play(tournament, regs[2], regs[3], winner=None)
    finish(tournament, regs)
    return players


def _corrupt(user_id: int, **values: int) -> None:
    """Write stats behind the services' back, as a bug or a manual edit would."""
    assignments = ", ".join(f"{name} = %s" for name in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {UserProfileStats._meta.db_table} SET {assignments} WHERE user_id = %s",
            [*values.values(), user_id],
        )


def test_consistent_history_has_no_drift_and_records_the_run():
    # given
    players = _history()
    # when
    report = stats_reconcile()
    # then
    assert (report.users_checked, report.users_with_drift, report.fixed, report.drifts) == (len(players), 0, 0, [])
    assert report.drift_percent == 0.0
    run = ReconcileRun.objects.get()
    assert run == report.run
    assert (run.users_checked, run.users_with_drift, run.scope, run.finished_at is not None) == (4, 0, "all", True)


def test_corrupted_rows_are_reported_exactly_then_fixed():
    # given
    alice, bob, carol, _ = _history()
    _corrupt(alice.pk, matches_won=7, matches_played=9)
    _corrupt(carol.pk, total_earned=500)
    # when
    report = stats_reconcile(batch_size=2)
    # then
    assert set(report.drifts) == {
        StatsDriftRow(user_id=alice.pk, field="matches_played", expected=1, actual=9),
        StatsDriftRow(user_id=alice.pk, field="matches_won", expected=1, actual=7),
        StatsDriftRow(user_id=carol.pk, field="total_earned", expected=0, actual=500),
    }
    assert (report.users_checked, report.users_with_drift, report.fixed) == (4, 2, 0)
    assert report.drift_percent == 50.0
    assert UserProfileStats.objects.get(user=alice).matches_won == 7  # a check alone changes nothing

    # when
    fixed = stats_reconcile(fix=True)
    # then
    assert (fixed.users_with_drift, fixed.fixed) == (2, 2)
    assert UserProfileStats.objects.get(user=alice).matches_won == 1
    assert UserProfileStats.objects.get(user=carol).total_earned == 0
    again = stats_reconcile()
    assert (again.users_with_drift, again.drifts) == (0, [])
    assert bob.pk not in fixed.drifted_user_ids


def test_missing_stats_row_with_events_is_drift_and_fix_recreates_it():
    # given
    alice, *_ = _history()
    UserProfileStats.objects.filter(user=alice).delete()
    lurker = UserFactory()
    UserProfileStats.objects.filter(user=lurker).delete()  # no events and no row: nothing to fix
    # when
    report = stats_reconcile(fix=True)
    # then
    assert report.drifted_user_ids == [alice.pk]
    assert {row.field for row in report.drifts} >= {"matches_played", "first_activity_at"}
    assert UserProfileStats.objects.get(user=alice).matches_played == 1
    assert not UserProfileStats.objects.filter(user=lurker).exists()


def test_user_ids_limit_the_check():
    # given
    alice, bob, *_ = _history()
    _corrupt(alice.pk, teams_joined=3)
    _corrupt(bob.pk, teams_joined=3)
    # when
    report = stats_reconcile(user_ids=[bob.pk])
    # then
    assert (report.users_checked, report.drifted_user_ids) == (1, [bob.pk])
    assert report.run is not None
    assert report.run.scope == ReconcileRun.Scope.USERS


def test_shards_together_check_exactly_what_one_run_checks():
    # given
    players = _history() + UserFactory.create_batch(5)
    for player in players[::2]:
        _corrupt(player.pk, achievements_unlocked=2)
    whole = stats_reconcile(record_run=False)
    # when
    shards = [stats_reconcile(shard=(k, 3), batch_size=2) for k in (1, 2, 3)]
    # then
    assert sum(s.users_checked for s in shards) == whole.users_checked == len(players)
    assert sorted(uid for s in shards for uid in s.drifted_user_ids) == whole.drifted_user_ids
    assert set().union(*(s.drifts for s in shards)) == set(whole.drifts)
    runs = list(ReconcileRun.objects.order_by("id"))
    assert [r.shard_label for r in runs] == ["1/3", "2/3", "3/3"]
    assert str(runs[0]).endswith(f"(1/3): {shards[0].users_with_drift} drifted")
    assert whole.run is None


@pytest.mark.parametrize("bad", ["0/3", "4/3", "1/0", "x/2", "1", "1/2/3"])
def test_bad_shard_is_refused_with_a_clear_error(bad):
    with pytest.raises(ValueError, match="K/N"):
        shard_parse(bad)


def test_bad_batch_size_and_shard_are_refused():
    with pytest.raises(ValueError, match="batch_size"):
        stats_reconcile(batch_size=0)
    with pytest.raises(ValueError, match="batch_size"):
        next(player_id_batches(batch_size=0))
    with pytest.raises(ValueError, match="1 <= K <= N"):
        stats_reconcile(shard=(3, 2))
    assert not ReconcileRun.objects.exists()
