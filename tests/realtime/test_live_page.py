"""/me/activity/ with live updates as an enhancement: the page is unchanged without JavaScript, and with it the
latest page carries what its script needs (the stream position it was rendered at) under the site's CSP."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.user_profile.selectors.stream import StreamCursor
from tests.factories import UserFactory
from tests.realtime.conftest import T0

pytestmark = pytest.mark.django_db

FEED_URL = reverse("user_profile:my-activity")


def test_the_latest_page_subscribes_from_where_it_was_rendered(client: Client) -> None:
    # given a player with two streamed events
    from apps.user_profile.services.events import record_event

    ada = UserFactory()
    for source_id in (1, 2):
        record_event(user_id=ada.pk, event_type="match_played", timestamp=T0, source_model="t.m", source_id=source_id)
    client.force_login(ada)

    # when they open their latest activity
    response = client.get(FEED_URL)

    # then the events are in the HTML as before, and the feed carries their stream position and its script
    html = response.content.decode()
    assert html.count('class="activity"') == 2
    cursor = StreamCursor(user_id=ada.pk, seq=2).encode()
    assert f'data-live-after="{cursor}"' in html
    assert '<script src="/static/js/live-activity.js" defer></script>' in html
    assert "<script>" not in html  # no inline script: the CSP allows none
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_older_pages_are_not_live(client: Client) -> None:
    ada = UserFactory()
    client.force_login(ada)
    response = client.get(FEED_URL, {"after": "bm90LWEtY3Vyc29y"})
    assert "data-live-after" not in response.content.decode()
    assert "live-activity.js" not in response.content.decode()
