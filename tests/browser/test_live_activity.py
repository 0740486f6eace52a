"""/me/activity/ in a real browser follows new events live (EventSource over SSE), recorded by another process
and fanned out through Redis; without JavaScript it is the plain page."""

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from apps.user_profile.models import UserProfileStats
from apps.user_profile.services.events import record_event
from tests.factories import UserFactory
from tests.live.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBSCRIPTION = "subscription { myActivity { cursor node { eventType } } }"


def _record_elsewhere(user_id: int, source_id: int) -> None:
    """Recorded on a thread of its own: Playwright's event loop makes the ORM refuse this thread."""

    def work() -> None:
        try:
            record_event(
                user_id=user_id,
                event_type="match_played",
                timestamp=datetime.now(UTC),
                source_model="tournaments.match",
                source_id=source_id,
                metadata={"opponent": "Bob", "round": 2},
            )
        finally:
            connection.close()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=30)


@pytest.fixture
def ada(transactional_db: Any) -> Any:
    """Made before the browser starts: Playwright's event loop makes the ORM refuse the test's thread."""
    if not settings.REDIS_URL:
        pytest.skip("needs Redis at REDIS_URL: the event is recorded in this process, the page served by uvicorn")
    player = UserFactory(username="ada")
    UserProfileStats.objects.get_or_create(user_id=player.pk)
    return player


def test_the_feed_shows_a_new_event_without_a_reload(
    ada: Any, live_server_factory: LiveServer, browser_page: Any, artifacts_dir: Path
) -> None:
    # given a signed-in player on their (empty) activity page
    url = live_server_factory(REDIS_URL=settings.REDIS_URL)
    page = browser_page
    page.goto(f"{url}/accounts/login/?next=/me/activity/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "pass12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/me/activity/")
    page.wait_for_selector(".live-status:not([hidden])")
    assert page.locator("li.activity").count() == 0

    # when a match is won, recorded by another process
    _record_elsewhere(ada.pk, 1)

    # then it appears in the feed without a reload
    page.wait_for_selector("li.activity")
    assert page.locator("li.activity").count() == 1
    assert "Bob" in page.locator("li.activity").first.inner_text()
    page.screenshot(path=artifacts_dir / "live-feed.png")


def test_graphiql_runs_a_subscription_over_websocket(
    ada: Any, live_server_factory: LiveServer, browser_page: Any, artifacts_dir: Path
) -> None:
    # given the signed-in player in GraphiQL with their live activity subscription in the editor
    url = live_server_factory(REDIS_URL=settings.REDIS_URL, GRAPHIQL_ENABLED="1")
    page = browser_page
    page.goto(f"{url}/accounts/login/?next=/graphql/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "pass12345")
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/graphql/")
    page.goto(f"{url}/graphql/?q={quote(SUBSCRIPTION)}")
    page.locator(".graphiql-query-editor .CodeMirror").wait_for()
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))

    # when they run it, and a match is recorded by another process
    page.click(".graphiql-execute-button")
    page.wait_for_function("() => document.querySelectorAll('.graphiql-response').length > 0")
    deadline = time.monotonic() + 20
    while not sockets:  # GraphiQL opened its WebSocket
        assert time.monotonic() < deadline, "GraphiQL opened no WebSocket"
        page.wait_for_timeout(100)
    page.wait_for_timeout(1000)  # the subscription starts on the server
    _record_elsewhere(ada.pk, 7)

    # then the event shows in the result pane, pushed over the WebSocket at /graphql/
    page.wait_for_function(
        "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue().includes('MATCH_PLAYED')"
    )
    page.screenshot(path=artifacts_dir / "graphiql-subscription.png", full_page=True)
    assert sockets[0].startswith(url.replace("http://", "ws://") + "/graphql")
