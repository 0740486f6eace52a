import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps.user_profile.models import ReconcileRun, UserProfileStats
from tests.factories import UserFactory, enter, finish, make_tournament, play

pytestmark = pytest.mark.django_db


@pytest.fixture
def players():
    players = UserFactory.create_batch(4)
    cup = make_tournament()
    regs = [enter(cup, p) for p in players]
    play(cup, regs[0], regs[1], winner=regs[0])
    finish(cup, regs[:2])
    return players


def _corrupt(user_id: int, field: str, value: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {UserProfileStats._meta.db_table} SET {field} = %s WHERE user_id = %s", [value, user_id]
        )


def _reconcile(*args: str) -> str:
    out = io.StringIO()
    call_command("reconcile_user_stats", *args, stdout=out)
    return out.getvalue()


def test_corrupted_rows_are_printed_exactly_then_fixed_then_clean(players):
    # given
    alice, bob = players[0], players[1]
    _corrupt(alice.pk, "achievements_unlocked", 5)
    _corrupt(bob.pk, "tournaments_registered", 9)
    # when
    report = _reconcile()
    # then
    assert report.splitlines() == [
        f"user {alice.pk}: achievements_unlocked expected 0, stored 5",
        f"user {bob.pk}: tournaments_registered expected 1, stored 9",
        "Checked 4 players: 2 with drift (50.00%), 0 fixed.",
    ]
    # when
    fixed = _reconcile("--fix")
    again = _reconcile()
    # then
    assert fixed.splitlines()[-1] == "Checked 4 players: 2 with drift (50.00%), 2 fixed."
    assert again.splitlines() == ["Checked 4 players: 0 with drift (0.00%), 0 fixed."]
    latest = ReconcileRun.objects.first()
    assert latest is not None
    assert (latest.users_checked, latest.users_with_drift, latest.fixed) == (4, 0, 0)
    assert ReconcileRun.objects.filter(fix=True).get().fixed == 2


def test_threshold_exceeded_exits_non_zero(players):
    # given
    _corrupt(players[0].pk, "achievements_unlocked", 5)
    # when / then: 1 of 4 players is 25 % drift
    with pytest.raises(CommandError, match=r"Drift 25.00% exceeds the threshold of 10.0%") as raised:
        _reconcile("--threshold", "10")
    assert raised.value.returncode == 2
    assert "1 with drift" in _reconcile("--threshold", "25")  # at the threshold is not above it


def test_user_id_and_shard_limit_the_players(players):
    # given
    _corrupt(players[0].pk, "achievements_unlocked", 5)
    # when
    one = _reconcile("--user-id", str(players[1].pk), "--user-id", str(players[2].pk))
    shards = [_reconcile("--shard", f"{k}/2") for k in (1, 2)]
    # then
    assert one.splitlines() == ["Checked 2 players: 0 with drift (0.00%), 0 fixed."]
    assert sum("achievements_unlocked expected 0, stored 5" in text for text in shards) == 1
    assert [r.shard_label for r in ReconcileRun.objects.order_by("id")] == ["users", "1/2", "2/2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--shard", "2"], "K/N"), (["--threshold", "150"], "between 0 and 100"), (["--batch-size", "0"], "batch_size")],
)
def test_bad_arguments_give_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        _reconcile(*args)


def test_an_unknown_player_is_a_not_found_error_with_no_run_recorded(players):
    # when / then
    with pytest.raises(CommandError, match="No player with id 999999") as raised:
        _reconcile("--user-id", "999999")
    assert raised.value.returncode == 1
    assert ReconcileRun.objects.count() == 0


def test_known_and_unknown_players_together_are_refused(players):
    # when / then: a typo among the ids is not silently skipped
    with pytest.raises(CommandError, match="No player with id 999999"):
        _reconcile("--user-id", str(players[0].pk), "--user-id", "999999")


@pytest.mark.parametrize("size", ["99999999999999999999", "100001", "0"])
def test_out_of_range_batch_sizes_are_refused_before_anything_is_recorded(players, size):
    # when / then
    with pytest.raises(CommandError, match="batch_size"):
        _reconcile("--batch-size", size)
    assert ReconcileRun.objects.count() == 0
