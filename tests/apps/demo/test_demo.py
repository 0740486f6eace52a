import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from apps.analytics.models import Season
from apps.analytics.selectors.segments import BreakdownBy, Segment, breakdown_of
from apps.demo.services import FEATURED_PLAYER, demo_platform_seed
from apps.tournaments.models import Match, Tournament
from apps.user_profile.models import ActivityEventType, UserActivity, UserProfileStats
from apps.user_profile.services.stats import empty_stats, stats_drift, stats_expected_from_events

pytestmark = pytest.mark.django_db


def test_demo_platform_has_every_kind_of_history_and_no_drift():
    # when
    summary = demo_platform_seed(seed=7)
    # then
    assert summary.created
    assert Tournament.objects.filter(status=Tournament.Status.COMPLETED).count() == 9
    assert Match.objects.filter(is_forfeit=True).exists()
    recorded_types = set(UserActivity.objects.values_list("event_type", flat=True).distinct())
    assert recorded_types == set(ActivityEventType.values)
    expected = stats_expected_from_events()
    drifted = [
        stats.user_id
        for stats in UserProfileStats.objects.all()
        if stats_drift(stats=stats, expected=expected.get(stats.user_id, empty_stats()))
    ]
    assert drifted == []


def test_seeding_twice_changes_nothing_and_the_check_reads_the_featured_player(capsys):
    # given
    call_command("seed_demo")
    events_before = UserActivity.objects.count()
    # when
    call_command("seed_demo")
    call_command("demo_check")
    # then
    output = capsys.readouterr().out
    assert "Already loaded" in output
    assert "equal to the activity log" in output
    assert UserActivity.objects.count() == events_before
    assert User.objects.filter(username=FEATURED_PLAYER).count() == 1


def test_demo_check_fails_clearly_without_demo_data():
    # when / then
    with pytest.raises(CommandError, match=r"run `manage\.py seed_demo` first"):
        call_command("demo_check")


def test_demo_check_fails_on_drifted_stats():
    # given
    call_command("seed_demo")
    UserProfileStats.objects.filter(user__username=FEATURED_PLAYER).update(matches_won=0)
    # when / then
    with pytest.raises(CommandError, match="wrong"):
        call_command("demo_check")


def test_demo_platform_has_seasons_with_play_in_them():
    # given the demo platform
    demo_platform_seed(seed=7)
    featured = User.objects.get(username=FEATURED_PLAYER)

    # when the featured player's stats are broken down by season
    seasons = breakdown_of(user_ids=[featured.pk], by=BreakdownBy.SEASON, segment=Segment())[featured.pk]

    # then the three demo seasons exist, and the player has matches in at least one
    assert sorted(Season.objects.values_list("name", flat=True)) == ["Season 1", "Season 2", "Valorant Masters"]
    assert any(item.stats.matches_played for item in seasons)
