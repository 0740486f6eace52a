"""The profile's activity heatmap in a real browser: the browser's own time zone is picked up (a static script,
no inline JavaScript), every day matches the database, and without JavaScript the page still reads (in UTC)."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from apps.demo.services import FEATURED_PLAYER, demo_platform_seed
from apps.privacy import policy
from apps.privacy.policy import ANONYMOUS
from apps.privacy.selectors import privacy_settings_for
from apps.user_profile.selectors.calendar import calendar_of, calendar_range
from apps.user_profile.selectors.streaks import streaks_of
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.live.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ZONE = "Asia/Kathmandu"
# Chromium's ICU names some zones by their older IANA alias (Asia/Katmandu): the same zone, a name the server takes.
NAMES = {ZONE, "Asia/Katmandu"}


@dataclass(frozen=True)
class Expected:
    days: dict[str, dict[str, int]]  # zone -> {date: events}
    longest_win_streak: int


@pytest.fixture
def featured(transactional_db: Any) -> Expected:
    """The demo platform, and the featured player's days as a visitor sees them in Kathmandu and in UTC (read
    before the browser starts: Playwright's event loop makes the ORM refuse to run in the test's thread)."""
    demo_platform_seed(seed=7)
    from django.contrib.auth.models import User

    player = User.objects.get(username=FEATURED_PLAYER)
    settings = privacy_settings_for(user_id=player.pk)
    hidden = policy.hidden_event_types(viewer=ANONYMOUS, owner_id=player.pk, settings=settings)
    days = {}
    for zone in (ZONE, "UTC"):
        start, end = calendar_range(start=None, end=None, time_zone=zone)
        calendar = calendar_of(owner_ids=[player.pk], start=start, end=end, time_zone=zone, hidden_event_types=hidden)
        days[zone] = {day.date.isoformat(): day.total for day in calendar[player.pk].days}
    streaks = streaks_of(owner_ids=[player.pk], time_zone=ZONE, hidden_event_types=hidden)[player.pk]
    return Expected(days=days, longest_win_streak=streaks.longest_win_streak)


def shown_days(page: Any) -> dict[str, int]:
    cells = page.locator("svg.heatmap rect.day").evaluate_all(
        "cells => cells.map(c => [c.dataset.date, Number(c.dataset.total)])"
    )
    return {day: total for day, total in cells if total}


def test_the_heatmap_follows_the_browsers_time_zone_and_reads_without_javascript(
    live_server_factory: LiveServer, featured: Expected, artifacts_dir: Path
) -> None:
    from playwright.sync_api import sync_playwright

    url = live_server_factory()
    profile = f"{url}/players/{FEATURED_PLAYER}/"
    assert featured.days[ZONE], "the featured player has events in the last year"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            # given a visitor whose browser is in Kathmandu
            context = browser.new_context(viewport={"width": 1280, "height": 900}, timezone_id=ZONE)
            page = context.new_page()
            page.set_default_timeout(60_000)  # a shared, loaded machine: the profile draws a year of days
            errors: list[str] = []
            # Script errors and CSP refusals, and failed loads other than the browser's own favicon probe.
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console",
                lambda message: (
                    errors.append(message.text)
                    if message.type == "error" and "Failed to load resource" not in message.text
                    else None
                ),
            )
            page.on(
                "response",
                lambda response: (
                    errors.append(f"{response.status} {response.url}")
                    if response.status >= 400 and not response.url.endswith("/favicon.ico")
                    else None
                ),
            )

            # when they open the profile (drawn in UTC first, then once more in their zone)
            page.goto(profile)
            page.wait_for_selector('section[data-time-zone]:not([data-time-zone="UTC"])')
            page.screenshot(path=artifacts_dir / "01-profile-heatmap-kathmandu.png", full_page=True)

            # then every day of the heatmap is the database's, in Kathmandu, and the streaks and form show
            shown_zone = page.locator("section[data-time-zone]").get_attribute("data-time-zone")
            assert shown_zone in NAMES
            assert shown_days(page) == featured.days[ZONE]
            assert page.locator("p.heatmap-zone").inner_text().startswith(f"Days in {shown_zone}.")
            longest = page.locator('[data-stat="longest_win_streak"]').inner_text()
            assert longest == f"longest {featured.longest_win_streak} in a row"
            assert page.locator("ol.form-list li").count() >= 1
            first_day = page.locator("svg.heatmap rect.day").first.locator("title").text_content()
            assert first_day is not None
            assert ": " in first_day  # each day reads on its own
            assert not errors, errors  # no CSP refusal, no script error
            context.close()

            # when a visitor without JavaScript opens it
            context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
            page = context.new_page()
            page.goto(profile)
            page.screenshot(path=artifacts_dir / "02-profile-heatmap-no-javascript-utc.png", full_page=True)

            # then the same heatmap reads in UTC
            assert page.locator('section[data-time-zone="UTC"]').count() == 1
            assert shown_days(page) == featured.days["UTC"]
            context.close()
        finally:
            browser.close()
