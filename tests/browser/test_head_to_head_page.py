"""The head-to-head page in a real browser: from a rival's profile to the page, checked against the database."""

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth.models import User

from apps.demo.services import DEMO_PASSWORD, FEATURED_PLAYER, demo_platform_seed
from apps.user_profile.selectors.head_to_head import HeadToHeadRecord, head_to_head_record
from tests.live.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def rivalry(transactional_db: Any) -> tuple[str, HeadToHeadRecord]:
    """The demo platform, the featured player's most frequent opponent and their record (read before the browser
    starts: Playwright's event loop makes the ORM refuse to run in the test's thread)."""
    demo_platform_seed(seed=7)
    me = User.objects.get(username=FEATURED_PLAYER)
    records = [
        (head_to_head_record(player_a_id=me.pk, player_b_id=other.pk), other.username)
        for other in User.objects.exclude(pk=me.pk)
    ]
    record, rival = max(records, key=lambda pair: pair[0].played)
    assert record.played > 0
    return rival, record


def test_a_player_opens_their_head_to_head_from_a_rivals_profile(
    live_server_factory: LiveServer, rivalry: tuple[str, HeadToHeadRecord], browser_page: Any, artifacts_dir: Path
) -> None:
    page = browser_page
    live_server = SimpleNamespace(url=live_server_factory())
    rival, record = rivalry

    # given the signed-in demo player on their rival's profile
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", FEATURED_PLAYER)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/players/{rival}/")

    # when they follow the head-to-head link
    page.click("[data-link=head-to-head]")
    page.wait_for_url(f"{live_server.url}/players/{FEATURED_PLAYER}/vs/{rival}/")
    page.screenshot(path=artifacts_dir / "01-head-to-head.png", full_page=True)

    # then the page shows the database's record and the latest meetings
    for name in ("played", "won", "lost", "drawn"):
        shown = page.locator(f'[data-stat="{name}"] .stat-value').inner_text()
        assert int(shown.replace(",", "")) == getattr(record, name)
    assert page.locator("tr[data-outcome]").count() == min(record.played, 20)
