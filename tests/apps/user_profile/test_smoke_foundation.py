import pytest

from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.services.stats import stats_drift, stats_expected_from_events
from tests.factories import UserFactory, enter, finish, make_tournament, play

pytestmark = pytest.mark.django_db


def test_solo_tournament_produces_events_and_stats_without_drift():
    # given
    alice, bob = UserFactory(), UserFactory()
    tournament = make_tournament()
    ra, rb = enter(tournament, alice), enter(tournament, bob)
    # when
    play(tournament, ra, rb, winner=ra)
    finish(tournament, [ra, rb])
    # then
    stats = UserProfileStats.objects.get(user=alice)
    assert (stats.matches_played, stats.matches_won, stats.tournaments_won) == (1, 1, 1)
    assert UserActivity.objects.filter(user=bob).count() == 6
    expected = stats_expected_from_events(user_ids=[alice.pk])[alice.pk]
    assert stats_drift(stats=stats, expected=expected) == {}
