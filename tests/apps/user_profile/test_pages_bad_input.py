"""Hostile or mangled addresses get a 404 or a 400 page with a way back, never a server error."""

import base64
import json
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from apps.user_profile.selectors.cursors import encode_cursor
from tests.factories import UserFactory, enter, make_tournament

pytestmark = pytest.mark.django_db

FEED_URL = reverse("user_profile:my-activity")
BAD_LINK = "That page link is not valid any more."


def _cursor(timestamp: str, event_id: object = 1) -> str:
    # Built by hand: a hostile client is not limited to what encode_cursor can write (2**70, for one).
    raw = json.dumps(["activity", timestamp, event_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# Raw query-string values (already percent-encoded where they need to be).
HOSTILE_VALUES = {
    "garbage": "not-a-cursor",
    "empty-list": quote(base64.urlsafe_b64encode(b"[]").decode()),
    "very-long": "A" * 20_000,
    "nul": "%00",
    "nul-after-a-cursor": _cursor("2026-01-01T00:00:00+00:00") + "%00",
    "invalid-utf8": "%ff%fe",
    "nested-json": base64.urlsafe_b64encode(b"[" * 5000).decode(),
    "offset-beyond-15:59": _cursor("2026-01-01T00:00:00+16:00"),
    "negative-offset-beyond-15:59": _cursor("2026-01-01T00:00:00-23:59"),
    "naive": _cursor("2026-01-01T00:00:00"),
    "before-year-1-in-utc": _cursor("0001-01-01T00:00:00+01:00"),
    "after-year-9999-in-utc": _cursor("9999-12-31T23:30:00-01:00"),
    "nul-in-timestamp": _cursor("2026-01-01T00:00:00\x00"),
    "id-beyond-bigint": _cursor("2026-01-01T00:00:00+00:00", 2**70),
    "id-float": _cursor("2026-01-01T00:00:00+00:00", 1.5),
    "id-negative": _cursor("2026-01-01T00:00:00+00:00", -1),
    "leaderboard-cursor": encode_cursor("leaderboard", ["WIN_RATE", 0.5, 1, 1]),
}


@pytest.fixture
def veteran(client: Client):
    """A signed-in player with a tournament and an event, so every page has rows to page through."""
    player = UserFactory(username="veteran")
    enter(make_tournament(), player, check_in=False)
    client.force_login(player)
    return player


@pytest.mark.parametrize("parameter", ["after", "before"])
@pytest.mark.parametrize("value", HOSTILE_VALUES.values(), ids=HOSTILE_VALUES.keys())
@pytest.mark.parametrize(
    "url",
    [
        reverse("user_profile:player-profile", args=["veteran"]),
        reverse("user_profile:tournament-history", args=["veteran"]),
        FEED_URL,
    ],
    ids=["profile", "tournament-history", "my-activity"],
)
def test_no_query_parameter_makes_a_page_fail(client: Client, veteran, url: str, parameter: str, value: str):
    # given a hostile value in the query string
    address = f"{url}?{parameter}={value}"
    # when
    response = client.get(address)
    # then the page either ignores it or says the link is broken, with a way back
    html = response.content.decode()
    assert response.status_code in (200, 400), (address[:200], response.status_code)
    if response.status_code == 400:
        assert BAD_LINK in html
        assert "<html" in html


@pytest.mark.parametrize(
    "value",
    ["offset-beyond-15:59", "naive", "before-year-1-in-utc", "after-year-9999-in-utc", "nested-json", "very-long"],
)
def test_cursors_the_database_cannot_take_are_broken_links(client: Client, veteran, value: str):
    # given
    cursor = HOSTILE_VALUES[value]
    # when
    feed_older = client.get(f"{FEED_URL}?after={cursor}")
    feed_newer = client.get(f"{FEED_URL}?before={cursor}")
    history = client.get(f"{reverse('user_profile:tournament-history', args=['veteran'])}?after={cursor}")
    # then
    for response in (feed_older, feed_newer, history):
        assert response.status_code == 400
        assert BAD_LINK in response.content.decode()


@pytest.mark.parametrize(
    ("path_name", "shown"),
    [
        ("vet%00eran", "veteran"),
        ("%00", ""),
        ("a" * 151, "a" * 150 + "…"),
        ("a" * 5000, "a" * 150 + "…"),
        ("%ff%fe", "%FF%FE"),  # Django keeps undecodable bytes percent-encoded
        ("vet%C0%80eran", "vet%C0%80eran"),
    ],
    ids=["nul", "only-nul", "longer-than-any-username", "very-long", "invalid-utf8", "overlong-nul"],
)
@pytest.mark.parametrize("suffix", ["", "tournaments/"], ids=["profile", "tournament-history"])
def test_a_name_no_player_can_have_is_a_404_page(client: Client, veteran, path_name: str, shown: str, suffix: str):
    # given a player "veteran", and a mangled name in the address
    address = f"/players/{path_name}/{suffix}"
    # when
    response = client.get(address)
    # then
    html = response.content.decode()
    assert response.status_code == 404
    assert f"No player is called “{shown}”." in html
    assert "\x00" not in html
