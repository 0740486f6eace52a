"""The head-to-head page: the record and latest meetings, privacy, bad input, a fixed number of queries."""

import pytest
from django.test import Client

from tests.factories import UserFactory, enter, make_tournament, play, set_privacy
from tests.schema.conftest import count_queries

pytestmark = pytest.mark.django_db


def _rivals(meetings: int):
    ada, bob = UserFactory(), UserFactory()
    cup = make_tournament(name="Spring Cup")
    ra, rb = enter(cup, ada), enter(cup, bob)
    for n in range(meetings):
        play(cup, ra, rb, winner=rb if n == 0 else ra, round=n + 1)
    return ada, bob


def test_the_page_shows_the_record_and_the_meetings_with_constant_queries(client: Client) -> None:
    # given ada beat bob twice after losing once, and another pair with 25 meetings
    ada, bob = _rivals(3)
    cy, dan = _rivals(25)

    # when both pages are read
    with count_queries() as small:
        response = client.get(f"/players/{ada.username}/vs/{bob.username}/")
    with count_queries() as large:
        crowded = client.get(f"/players/{cy.username}/vs/{dan.username}/")

    # then the record is ada's, the meetings newest first, and both pages cost the same queries
    html = response.content.decode()
    assert response.status_code == 200
    assert [row.split('"')[0] for row in html.split('data-outcome="')[1:]] == ["won", "won", "lost"]
    assert '<div class="stat" data-stat="won"><dt>Won</dt><dd class="stat-value">2</dd>' in html
    assert "Spring Cup" in html
    assert crowded.content.decode().count("data-outcome=") == 20
    assert 'rel="next"' in crowded.content.decode()
    assert len(small) == len(large)


def test_the_page_is_refused_when_a_player_keeps_their_activity_private(client: Client) -> None:
    ada, bob = _rivals(1)
    set_privacy(bob, activity_public=False)
    assert client.get(f"/players/{ada.username}/vs/{bob.username}/").status_code == 403
    client.force_login(bob)
    assert client.get(f"/players/{ada.username}/vs/{bob.username}/").status_code == 200


@pytest.mark.parametrize(
    ("path", "status"), [("{a}/vs/{a}/", 400), ("{a}/vs/nobody/", 404), ("{a}/vs/{b}/?after=zz", 400)]
)
def test_bad_addresses_get_clear_pages(client: Client, path: str, status: int) -> None:
    ada, bob = _rivals(1)
    response = client.get("/players/" + path.format(a=ada.username, b=bob.username))
    assert response.status_code == status


def test_the_profile_links_a_signed_in_visitor_to_their_head_to_head(client: Client) -> None:
    ada, bob = _rivals(1)
    client.force_login(ada)
    html = client.get(f"/players/{bob.username}/").content.decode()
    assert f'href="/players/{ada.username}/vs/{bob.username}/"' in html
    assert "head-to-head" not in client.get(f"/players/{ada.username}/").content.decode()
