import io

import pgtrigger
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from apps.user_profile.models import BackfillRun, UserActivity
from tests.factories import UserFactory, enter, finish, make_tournament, play

pytestmark = pytest.mark.django_db


def _history_then_erase() -> int:
    alice, bob = UserFactory(), UserFactory()
    cup = make_tournament()
    ra, rb = enter(cup, alice), enter(cup, bob)
    play(cup, ra, rb, winner=ra)
    finish(cup, [ra, rb])
    count = UserActivity.objects.count()
    with pgtrigger.ignore("user_profile.UserActivity:append_only"):
        UserActivity.objects.all()._erase()
    return count


def test_dry_run_prints_counts_per_type_and_writes_nothing():
    # given
    _history_then_erase()
    out = io.StringIO()
    # when
    call_command("backfill_user_activity", "--dry-run", "--batch-size", "1", stdout=out)
    # then
    text = out.getvalue()
    assert "  match_won                1\n" in text
    assert "  match_played             2\n" in text
    assert "Would create 12 events for 2 players" in text
    assert "1/2 players (50.0%), " in text  # plain progress lines when not on a terminal
    assert UserActivity.objects.count() == 0


def test_run_creates_the_events_and_a_rerun_creates_none():
    # given
    total = _history_then_erase()
    # when
    first, second = io.StringIO(), io.StringIO()
    call_command("backfill_user_activity", "--shard", "1/1", stdout=first)
    call_command("backfill_user_activity", stdout=second)
    # then
    assert f"Created {total} events for 2 players" in first.getvalue()
    assert "stats recomputed for 2 players" in first.getvalue()
    assert "Created 0 events for 2 players" in second.getvalue()
    assert UserActivity.objects.count() == total
    assert BackfillRun.objects.filter(finished_at__isnull=False).count() == 2


@pytest.mark.parametrize(("args", "message"), [(["--shard", "3/2"], "K <= N"), (["--batch-size", "0"], "batch_size")])
def test_bad_arguments_give_a_clear_error(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("backfill_user_activity", *args, stdout=io.StringIO())


@pytest.mark.parametrize(
    "args",
    [
        ["--batch-size", "99999999999999999999"],
        ["--batch-size", "100001"],
        ["--shard", "1/99999999999999999999"],
    ],
)
def test_out_of_range_sizes_are_refused_before_anything_is_recorded(args):
    # given
    UserFactory.create_batch(2)
    # when / then
    with pytest.raises(CommandError, match=r"at most|K/N") as raised:
        call_command("backfill_user_activity", *args, stdout=io.StringIO())
    assert raised.value.returncode == 1
    assert BackfillRun.objects.count() == 0
    assert UserActivity.objects.count() == 0


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_progress_rewrites_one_line():
    # given
    _history_then_erase()
    out = Terminal()
    # when
    call_command("backfill_user_activity", "--batch-size", "1", stdout=out)
    # then
    text = out.getvalue()
    assert "\r1/2 players (50.0%), " in text
    assert "\r2/2 players (100.0%), " in text
    assert "\nCreated 12 events" in text
