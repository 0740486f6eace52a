from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.tournaments.models import Tournament
from apps.user_profile.selectors import tournament_history_page
from apps.user_profile.views.pages import HISTORY_PAGE_SIZE, PROFILE_RECENT_TOURNAMENTS
from tests.factories import UserFactory, enter, finish, make_tournament, play

pytestmark = pytest.mark.django_db


def history_url(username: str) -> str:
    return reverse("user_profile:tournament-history", args=[username])


def profile_url(username: str) -> str:
    return reverse("user_profile:player-profile", args=[username])


def tournament_ids(response) -> list[int]:
    return [row.tournament_id for row in response.context["tournaments"]]


def register_for(player: User, count: int) -> list[Tournament]:
    """`count` tournaments the player registered for, one hour apart, oldest first."""
    start = timezone.now() - timedelta(days=60)
    tournaments = []
    for n in range(count):
        tournament = make_tournament()
        enter(tournament, player, check_in=False, at=start + timedelta(hours=n))
        tournaments.append(tournament)
    return tournaments


def test_history_lists_every_tournament_newest_first_with_result_and_matches(client: Client):
    # given alice won "Summer Cup", is playing "Autumn Open" and registered for "Winter Clash" without a check-in
    alice, bob, carol = UserFactory(username="alice"), UserFactory(username="bob"), UserFactory(username="carol")
    base = timezone.now() - timedelta(days=30)
    summer = make_tournament(name="Summer Cup", game="Valorant", starts_at=datetime(2026, 3, 14, 12, tzinfo=UTC))
    ra, rb, rc = (enter(summer, player, at=base) for player in (alice, bob, carol))
    play(summer, ra, rb, winner=ra)
    play(summer, ra, rc, winner=ra, round=2)
    play(summer, rb, rc, winner=rc, round=2)
    finish(summer, [ra, rc, rb])
    autumn = make_tournament(name="Autumn Open", game="Dota 2", starts_at=datetime(2026, 4, 2, 12, tzinfo=UTC))
    ra2, rb2 = enter(autumn, alice, at=base + timedelta(days=1)), enter(autumn, bob, at=base + timedelta(days=1))
    play(autumn, ra2, rb2, winner=rb2)
    winter = make_tournament(name="Winter Clash", game="CS2", starts_at=datetime(2026, 5, 9, 12, tzinfo=UTC))
    enter(winter, alice, check_in=False, at=base + timedelta(days=2))
    # when
    response = client.get(history_url("alice"))
    # then
    assert response.status_code == 200
    assert tournament_ids(response) == [winter.pk, autumn.pk, summer.pk]
    rows = {row.name: row for row in response.context["tournaments"]}
    assert (rows["Summer Cup"].result, rows["Summer Cup"].checked_in) == ("#1 · Winner", True)
    assert (rows["Summer Cup"].matches_played, rows["Summer Cup"].matches_won, rows["Summer Cup"].matches_lost) == (
        2,
        2,
        0,
    )
    assert (rows["Autumn Open"].result, rows["Autumn Open"].matches_lost) == ("In progress", 1)
    assert (rows["Winter Clash"].result, rows["Winter Clash"].checked_in) == ("Registered", False)
    html = response.content.decode()
    assert html.index("Winter Clash") < html.index("Autumn Open") < html.index("Summer Cup")
    assert "Valorant · <time" in html
    assert "14 Mar 2026" in html
    assert "#1 · Winner" in html
    assert "2 (2\N{EN DASH}0)" in html
    assert "1 (0\N{EN DASH}1)" in html
    assert html.count('data-checked-in="yes"') == 2
    assert html.count('data-checked-in="no"') == 1
    assert 'rel="next"' not in html
    assert "Newest" not in html
    [carol_summer] = client.get(history_url("carol")).context["tournaments"]
    assert carol_summer.result == "#2 · Runner-up"
    bob_summer = client.get(history_url("bob")).context["tournaments"][-1]
    assert bob_summer.result == "#3 · Top 4"


def test_history_shows_places_below_the_podium_and_missed_check_ins(client: Client):
    # given carol finished fifth in one tournament and never checked in to another that has finished
    carol = UserFactory(username="carol")
    others = UserFactory.create_batch(4)
    fifth = make_tournament(name="Big Cup")
    ahead = [enter(fifth, player) for player in others]
    finish(fifth, [*ahead, enter(fifth, carol)])
    missed = make_tournament(name="Missed Cup")
    enter(missed, carol, check_in=False)
    finish(missed, [enter(missed, others[0])])
    # when
    response = client.get(history_url("carol"))
    # then
    rows = {row.name: row.result for row in response.context["tournaments"]}
    assert rows == {"Big Cup": "#5", "Missed Cup": "Did not check in"}


def test_paging_older_reaches_the_end_with_every_tournament_exactly_once(client: Client):
    # given two full pages and one more
    player = UserFactory(username="veteran")
    tournaments = register_for(player, 2 * HISTORY_PAGE_SIZE + 1)
    # when
    seen, pages, after = [], [], None
    while True:
        response = client.get(history_url("veteran"), {"after": after} if after else {})
        assert response.status_code == 200
        pages.append(response)
        seen.extend(tournament_ids(response))
        after = response.context["older_cursor"]
        if after is None:
            break
    # then
    assert [len(tournament_ids(page)) for page in pages] == [HISTORY_PAGE_SIZE, HISTORY_PAGE_SIZE, 1]
    assert seen == [tournament.pk for tournament in reversed(tournaments)]
    first, *rest = (page.content.decode() for page in pages)
    assert "Newest" not in first
    assert 'rel="next"' in first
    for html in rest:
        assert f'href="{history_url("veteran")}">← Newest' in html
    assert 'rel="next"' not in rest[-1]


def test_a_page_past_the_oldest_tournament_says_so_and_links_to_the_newest(client: Client):
    # given a cursor after the oldest tournament (the selector hands it out with each entry)
    player = UserFactory(username="veteran")
    register_for(player, 3)
    oldest = tournament_history_page(user_id=player.pk, first=3).items[-1]
    # when
    response = client.get(history_url("veteran"), {"after": oldest.cursor})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["tournaments"] == []
    assert "No older tournaments." in html
    assert f'<a href="{history_url("veteran")}">Go to the newest tournaments</a>' in html


def test_profile_links_to_all_tournaments_only_when_it_shows_fewer_than_there_are(client: Client):
    # given one player with exactly what the profile shows and one with a tournament more
    fits, more = UserFactory(username="fits"), UserFactory(username="more")
    register_for(fits, PROFILE_RECENT_TOURNAMENTS)
    register_for(more, PROFILE_RECENT_TOURNAMENTS + 1)
    # when
    fits_html = client.get(profile_url("fits")).content.decode()
    more_html = client.get(profile_url("more")).content.decode()
    # then
    assert "All tournaments" not in fits_html
    assert f'<a href="{history_url("more")}">All tournaments →</a>' in more_html


def test_unknown_player_is_the_404_page(client: Client):
    # when
    response = client.get(history_url("nobody"))
    # then
    html = response.content.decode()
    assert response.status_code == 404
    assert "No player is called “nobody”." in html
    assert "<html" in html


@pytest.mark.parametrize("cursor", ["not-a-cursor", "WyJsZWFkZXJib2FyZCIsMV0"])
def test_a_tampered_cursor_is_a_400_page_with_a_way_back(client: Client, cursor: str):
    # given
    player = UserFactory(username="veteran")
    register_for(player, 2)
    # when
    response = client.get(history_url("veteran"), {"after": cursor})
    # then
    html = response.content.decode()
    assert response.status_code == 400
    assert "That page link is not valid any more." in html
    assert f'<a href="{history_url("veteran")}">Go to the newest tournaments</a>' in html
    assert "<table" not in html


def test_a_player_without_tournaments_gets_a_friendly_empty_state(client: Client):
    # given
    UserFactory(username="newbie")
    # when
    response = client.get(history_url("newbie"))
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "No tournaments yet." in html
    assert "<table" not in html
    assert 'rel="next"' not in html


def _history_queries(client: Client, username: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(history_url(username)).status_code == 200
    return len(queries)


def test_history_runs_the_same_queries_for_one_and_for_twenty_five_tournaments(client: Client):
    # given one player with a played tournament and one with 25, some played
    one, many = UserFactory(username="one"), UserFactory(username="many")
    single = make_tournament()
    ro, rx = enter(single, one), enter(single, UserFactory())
    play(single, ro, rx, winner=ro)
    finish(single, [ro, rx])
    register_for(many, 20)
    for _ in range(5):
        tournament = make_tournament()
        rm, ry = enter(tournament, many), enter(tournament, UserFactory())
        play(tournament, rm, ry, winner=ry)
        finish(tournament, [ry, rm])
    # when
    queries_one = _history_queries(client, "one")
    queries_many = _history_queries(client, "many")
    # then the player and one page of history
    assert many.registrations.count() == 25
    assert queries_one == queries_many == 2


def test_a_cancelled_tournament_reads_as_cancelled(client: Client):
    # given a tournament cancelled (from the admin) after the player registered
    player = UserFactory(username="hopeful")
    [tournament] = register_for(player, 1)
    Tournament.objects.filter(pk=tournament.pk).update(status=Tournament.Status.CANCELLED)
    # when
    response = client.get(history_url("hopeful"))
    # then
    [row] = response.context["tournaments"]
    assert row.result == "Cancelled"
    assert "Cancelled" in response.content.decode()
