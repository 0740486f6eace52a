from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.economy.models import DeltaCrownTransaction
from apps.economy.services import transaction_create
from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.selectors import ActivityCursor
from apps.user_profile.views.pages import FEED_PAGE_SIZE, PROFILE_RECENT_ACTIVITY, PROFILE_RECENT_TOURNAMENTS
from tests.factories import UserFactory, enter, finish, make_tournament, play

pytestmark = pytest.mark.django_db

FEED_URL = reverse("user_profile:my-activity")


def profile_url(username: str) -> str:
    return reverse("user_profile:player-profile", args=[username])


def earn(user: User, count: int, *, start=None) -> None:
    """`count` coin events, one minute apart, oldest first."""
    start = start or timezone.now() - timedelta(days=30)
    for n in range(count):
        transaction_create(
            user=user,
            amount=10 + n,
            reason=DeltaCrownTransaction.Reason.DAILY_REWARD,
            created_at=start + timedelta(minutes=n),
        )


def event_ids(response) -> list[int]:
    return [item.id for item in response.context["activities"]]


@pytest.fixture
def champion():
    """alice wins "Summer Cup" against bob and earns 250 DC."""
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    tournament = make_tournament(name="Summer Cup", game="Valorant")
    ra, rb = enter(tournament, alice), enter(tournament, bob)
    play(tournament, ra, rb, winner=ra)
    finish(tournament, [ra, rb])
    transaction_create(user=alice, amount=250, reason=DeltaCrownTransaction.Reason.TOURNAMENT_PRIZE)
    return alice, bob


# Profile


def test_profile_shows_the_stats_grid_history_and_latest_activity(client: Client, champion):
    # given
    alice, _ = champion
    client.force_login(alice)
    # when
    response = client.get(profile_url("alice"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    stats = UserProfileStats.objects.get(user=alice)
    assert response.context["stats"].matches_won == stats.matches_won == 1
    assert "100.0% of 1 played" in html
    assert "100.0% of 1 completed" in html
    assert "250 DC" in html
    assert "net 250 DC" in html
    [entry] = response.context["history"]
    assert (entry.tournament.name, entry.placement, entry.matches_won) == ("Summer Cup", 1, 1)
    assert "Won Summer Cup" in html
    assert "Earned 250 DC · Tournament prize" in html


def test_profile_hides_economy_from_other_players_but_not_from_staff(client: Client, champion):
    # given
    _, bob = champion
    staff = UserFactory(is_staff=True)
    # when
    client.force_login(bob)
    as_bob = client.get(profile_url("alice")).content.decode()
    client.force_login(staff)
    as_staff = client.get(profile_url("alice")).content.decode()
    # then
    assert "Total earned" not in as_bob
    assert "Earned 250 DC" not in as_bob
    assert "Won Summer Cup" in as_bob
    assert "Total earned" in as_staff
    assert "Earned 250 DC" in as_staff


def test_profile_is_public_to_anonymous_visitors_without_economy(client: Client, champion):
    # when
    response = client.get(profile_url("alice"))
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "Won Summer Cup" in html
    assert "DC" not in html.split('id="stats-title"')[1].split("</dl>")[0]


def test_unknown_player_is_a_404_page(client: Client):
    # when
    response = client.get(profile_url("nobody"))
    # then
    assert response.status_code == 404
    assert "No player is called “nobody”." in response.content.decode()
    assert "<html" in response.content.decode()


def test_profile_of_a_new_player_has_friendly_empty_states(client: Client):
    # given
    UserFactory(username="newbie")
    # when
    response = client.get(profile_url("newbie"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "No tournaments yet." in html
    assert "Nothing has happened here yet." in html
    assert "0.0% of 0 played" in html


def test_profile_without_a_stats_row_shows_zeros(client: Client):
    # given
    player = UserFactory(username="legacy")
    UserProfileStats.objects.filter(user=player).delete()
    # when
    response = client.get(profile_url("legacy"))
    # then
    assert response.status_code == 200
    assert response.context["stats"].matches_won == 0


def _profile_queries(client: Client, username: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(profile_url(username)).status_code == 200
    return len(queries)


def test_profile_runs_the_same_number_of_queries_for_one_and_many_events(client: Client):
    # given one player with one event (a registration) and one with a long history
    quiet, busy = UserFactory(username="quiet"), UserFactory(username="busy")
    enter(make_tournament(), quiet, check_in=False)
    earn(busy, 60)
    opponents = UserFactory.create_batch(6)
    for opponent in opponents:
        tournament = make_tournament()
        rb, ro = enter(tournament, busy), enter(tournament, opponent)
        play(tournament, rb, ro, winner=rb)
        finish(tournament, [rb, ro])
    # a visitor: "last active" is then computed over the events they may see, for both players alike
    client.force_login(UserFactory())
    # when
    one = _profile_queries(client, "quiet")
    many = _profile_queries(client, "busy")
    # then
    assert UserActivity.objects.filter(user=quiet).count() == 1
    assert UserActivity.objects.filter(user=busy).count() > PROFILE_RECENT_ACTIVITY
    assert busy.registrations.count() > PROFILE_RECENT_TOURNAMENTS
    assert one == many


# Activity feed


def test_feed_sends_anonymous_visitors_to_login(client: Client):
    # when
    response = client.get(FEED_URL)
    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={FEED_URL}"


def test_feed_lists_own_events_newest_first_with_icon_sentence_and_relative_time(client: Client, champion):
    # given
    alice, _ = champion
    client.force_login(alice)
    # when
    response = client.get(FEED_URL)
    # then
    html = response.content.decode()
    expected = list(UserActivity.objects.filter(user=alice).order_by("-timestamp", "-id").values_list("id", flat=True))
    assert event_ids(response) == expected
    assert "♛" in html
    assert "Won Summer Cup" in html
    assert "Won a match against bob in Summer Cup" in html
    assert "Earned 250 DC" in html
    assert 'rel="next"' not in html
    assert 'rel="prev"' not in html


def test_feed_shows_relative_times(client: Client):
    # given
    player = UserFactory()
    earn(player, 1, start=timezone.now() - timedelta(hours=3, minutes=5))
    client.force_login(player)
    # when
    response = client.get(FEED_URL)
    # then
    assert "3\xa0hours ago" in response.content.decode()


def test_feed_empty_state(client: Client):
    # given
    client.force_login(UserFactory())
    # when
    response = client.get(FEED_URL)
    # then
    assert response.status_code == 200
    assert "Nothing yet — register for a tournament" in response.content.decode()


def test_feed_pages_of_fifty_to_the_end_and_back(client: Client):
    # given 120 events
    player = UserFactory()
    earn(player, 120)
    client.force_login(player)
    all_ids = list(UserActivity.objects.filter(user=player).order_by("-timestamp", "-id").values_list("id", flat=True))
    # when paging older to the end
    pages = [client.get(FEED_URL)]
    while pages[-1].context["older_cursor"]:
        pages.append(client.get(FEED_URL, {"after": pages[-1].context["older_cursor"]}))
    # and newer back to the start
    back = [pages[-1]]
    while back[-1].context["newer_cursor"]:
        back.append(client.get(FEED_URL, {"before": back[-1].context["newer_cursor"]}))
    # then
    assert [len(event_ids(p)) for p in pages] == [FEED_PAGE_SIZE, FEED_PAGE_SIZE, 20]
    assert [i for p in pages for i in event_ids(p)] == all_ids
    assert [event_ids(p) for p in back] == [event_ids(p) for p in reversed(pages)]
    assert pages[0].context["newer_cursor"] is None


def test_feed_pages_stay_consistent_while_events_arrive(client: Client):
    # given a player on the second page of their feed
    player = UserFactory()
    earn(player, 60)
    client.force_login(player)
    first = client.get(FEED_URL)
    # when new events are recorded before the next page is read
    earn(player, 5, start=timezone.now())
    second = client.get(FEED_URL, {"after": first.context["older_cursor"]})
    # then the older page continues exactly where the first ended
    assert len(event_ids(second)) == 10
    assert not set(event_ids(first)) & set(event_ids(second))
    oldest_ten = list(UserActivity.objects.filter(user=player).order_by("timestamp", "id").values_list("id", flat=True))
    assert event_ids(second) == list(reversed(oldest_ten[:10]))


def test_feed_rejects_a_tampered_cursor_with_a_clear_message(client: Client):
    # given
    client.force_login(UserFactory())
    # when
    response = client.get(FEED_URL, {"after": "not-a-cursor"})
    # then
    assert response.status_code == 400
    assert "That page link is not valid any more." in response.content.decode()


def test_feed_never_shows_another_players_events(client: Client, champion):
    # given
    _, bob = champion
    client.force_login(bob)
    # when
    response = client.get(FEED_URL)
    # then
    assert set(UserActivity.objects.filter(pk__in=event_ids(response)).values_list("user_id", flat=True)) == {bob.pk}


def _feed_queries(client: Client, user: User) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(FEED_URL)
    assert response.status_code == 200
    return len(queries)


def test_feed_with_one_and_with_fifty_events_runs_the_same_number_of_queries(client: Client):
    # given
    one, fifty = UserFactory(), UserFactory()
    earn(one, 1)
    earn(fifty, 50)
    tournament = make_tournament()
    ra, rb = enter(tournament, fifty), enter(tournament, UserFactory())
    play(tournament, ra, rb, winner=ra)
    # when
    queries_one = _feed_queries(client, one)
    queries_fifty = _feed_queries(client, fifty)
    # then
    assert UserActivity.objects.filter(user=fifty).count() > FEED_PAGE_SIZE
    assert queries_one == queries_fifty


def test_feed_refuses_both_directions_at_once(client: Client):
    # given
    player = UserFactory()
    earn(player, 60)
    client.force_login(player)
    cursor = client.get(FEED_URL).context["older_cursor"]
    # when
    response = client.get(FEED_URL, {"after": cursor, "before": cursor})
    # then
    assert response.status_code == 400
    assert "one “older” or “newer” link at a time" in response.content.decode()


def test_feed_newer_than_the_latest_event_says_so_and_links_back(client: Client):
    # given a "newer" link taken from the newest event
    player = UserFactory()
    earn(player, 3)
    client.force_login(player)
    first = client.get(FEED_URL)
    newest = first.context["activities"][0]
    cursor = ActivityCursor(timestamp=newest.timestamp, id=newest.id).encode()
    # when
    response = client.get(FEED_URL, {"before": cursor})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "No more activity this way." in html
    assert f'href="{FEED_URL}"' in html


def test_pages_only_answer_get(client: Client, champion):
    # given
    alice, _ = champion
    client.force_login(alice)
    # when / then
    assert client.post(FEED_URL).status_code == 405
    assert client.post(profile_url("alice")).status_code == 405


def test_login_page_signs_a_player_in_and_goes_to_their_activity(client: Client):
    # given
    UserFactory(username="carmen")
    # when
    page = client.get(reverse("login"))
    wrong = client.post(reverse("login"), {"username": "carmen", "password": "wrong"})
    right = client.post(reverse("login"), {"username": "carmen", "password": "pass12345"})
    # then
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()
    assert "didn't match" in wrong.content.decode()
    assert right.status_code == 302
    assert right["Location"] == FEED_URL
    assert client.get(FEED_URL).status_code == 200
