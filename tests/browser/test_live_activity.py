"""/me/activity/ in a real browser follows new events live (EventSource over SSE), recorded by another process
and fanned out through Redis; without JavaScript it is the plain page."""

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from apps.user_profile.models import UserProfileStats
from apps.user_profile.services.events import record_event
from tests.factories import UserFactory
from tests.live.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
