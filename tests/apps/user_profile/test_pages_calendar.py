"""The profile's activity heatmap, streaks and form: server-rendered, in the visitor's time zone, as private as
the policy says."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.apps.user_profile.calendar_history import record_step
from tests.factories import UserFactory, enter, make_tournament, play, set_privacy

pytestmark = pytest.mark.django_db


def profile_url(username: str) -> str:
    return f"/players/{username}/"


def cells(html: str) -> dict[str, int]:
    """date -> events, for the days with any."""
    return {
        day: int(total)
        for day, total in re.findall(r'data-date="([0-9-]+)" data-total="([0-9]+)"', html)
        if total != "0"
    }


def titles(html: str) -> list[str]:
    return re.findall(r"<rect [^>]*data-total=\"[1-9][0-9]*\"><title>([^<]*)</title>", html)


@pytest.fixture
def kathmandu_player():
    """Two achievements a minute apart around midnight in Kathmandu (18:14 and 18:15 UTC), three days ago."""
    player = UserFactory(username="ada")
    day = (timezone.now() - timedelta(days=3)).replace(hour=18, minute=14, second=0, microsecond=0)
    record_step(user_id=player.pk, step="achievement", at=day)
    record_step(user_id=player.pk, step="achievement", at=day + timedelta(minutes=1))
    record_step(user_id=player.pk, step="earn", at=day + timedelta(minutes=1), amount=120)
    return player, day.date()


def test_the_heatmap_shows_local_days_of_the_zone_asked_for(client: Client, kathmandu_player) -> None:
    # given a player's events either side of midnight in Kathmandu
    _, day = kathmandu_player

    # when the profile is opened with ?tz=Asia/Kathmandu, and without (UTC)
    kathmandu = client.get(profile_url("ada"), {"tz": "Asia/Kathmandu"}).content.decode()
    in_utc = client.get(profile_url("ada")).content.decode()

    # then the visitor (who may not see coins) sees one event on each of two local days, or both on one UTC day
    assert cells(kathmandu) == {day.isoformat(): 1, (day + timedelta(days=1)).isoformat(): 1}
    assert cells(in_utc) == {day.isoformat(): 2}
    assert 'data-time-zone="Asia/Kathmandu"' in kathmandu
    assert "Days in Asia/Kathmandu." in kathmandu
    # each day reads on its own (title), coins left out for a visitor
    assert all("DC" not in title for title in titles(kathmandu))
    assert "1 event (0 tournaments, 0 matches, 0 wins, 1 achievement)" in titles(kathmandu)[0]


def test_the_cookie_from_the_browser_sets_the_zone_and_the_player_sees_coins(client: Client, kathmandu_player) -> None:
    # given the player signed in, with the browser's zone in the cookie
    player, day = kathmandu_player
    client.force_login(player)
    client.cookies["tz"] = "Asia/Kathmandu"

    # when they open their profile
    html = client.get(profile_url("ada")).content.decode()

    # then the days are Kathmandu's and the coin line counts and shows
    assert cells(html) == {day.isoformat(): 1, (day + timedelta(days=1)).isoformat(): 2}
    assert any("+120 / -0 DC" in title for title in titles(html))


def test_an_unknown_zone_falls_back_to_utc_and_says_so(client: Client, kathmandu_player) -> None:
    # given a link with a zone nobody has; when it is opened; then the page says so and shows UTC days
    response = client.get(profile_url("ada"), {"tz": "Mars/Olympus"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Unknown time zone &#x27;Mars/Olympus&#x27;" in html
    assert "Showing days in UTC." in html
    assert 'data-time-zone="UTC"' in html


def test_private_activity_hides_the_heatmap_streaks_and_form(client: Client, kathmandu_player) -> None:
    # given a player who keeps their activity private
    player, _ = kathmandu_player
    set_privacy(player, activity_public=False)

    # when a visitor and the player open the profile
    visitor = client.get(profile_url("ada")).content.decode()
    client.force_login(player)
    own = client.get(profile_url("ada")).content.decode()

    # then
    assert 'data-private="calendar"' in visitor
    assert '<svg class="heatmap"' not in visitor
    assert 'data-stat="current_win_streak"' not in visitor
    assert '<svg class="heatmap"' in own


def test_streaks_and_form_of_real_matches(client: Client) -> None:
    # given a player who won, lost, then won twice, the last match an hour ago
    player, rival = UserFactory(username="bo"), UserFactory()
    cup = make_tournament(name="Winter Cup")
    mine, theirs = enter(cup, player), enter(cup, rival)
    now = timezone.now() - timedelta(hours=1)
    for n, winner in enumerate([mine, theirs, mine, mine]):
        play(cup, mine, theirs, winner=winner, at=now - timedelta(days=3 - n), round=n + 1)

    # when the profile is opened
    html = client.get(profile_url("bo")).content.decode()

    # then the win streak, the results newest first, each with its match
    assert re.search(r'data-stat="current_win_streak">\s*<dt>Win streak</dt>\s*<dd class="stat-value">2<', html)
    assert "longest 2 in a row" in html
    assert re.findall(r'data-result="(\w+)"', html) == ["win", "win", "loss", "win"]
    assert "Win: Winter Cup, round 4" in html


def test_the_page_needs_no_inline_script(client: Client, kathmandu_player) -> None:
    response = client.get(profile_url("ada"))
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts == [' src="/static/js/timezone.js" defer']
    assert "'unsafe-inline'" not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
