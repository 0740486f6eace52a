"""A player's journey in a real browser: log in, check the profile against the database, page the whole
feed and back, and ask GraphiQL for their matches won."""

import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

import pytest

from apps.demo.services import DEMO_PASSWORD, FEATURED_PLAYER, demo_platform_seed
from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.views.pages import FEED_PAGE_SIZE
from tests.live.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ME_QUERY = "{ me { stats { matchesWon } } }"


@dataclass(frozen=True)
class Expected:
    event_ids: list[int]
    stats: UserProfileStats


@pytest.fixture
def demo_player(transactional_db: Any) -> Expected:
    """The demo platform, and what the database says about its featured player (read before the browser
    starts: Playwright's event loop makes the ORM refuse to run in the test's thread)."""
    demo_platform_seed(seed=7)
    stats = UserProfileStats.objects.select_related("user").get(user__username=FEATURED_PLAYER)
    event_ids = list(
        UserActivity.objects.filter(user=stats.user).order_by("-timestamp", "-id").values_list("id", flat=True)
    )
    return Expected(event_ids=event_ids, stats=stats)


def feed_ids(page: Any) -> list[int]:
    return [int(i) for i in page.locator("li.activity").evaluate_all("items => items.map(i => i.dataset.eventId)")]


def stat_text(page: Any, name: str) -> str:
    return page.locator(f'[data-stat="{name}"]').first.inner_text()


def test_player_logs_in_checks_stats_pages_the_feed_and_queries_graphiql(
    live_server_factory: LiveServer, demo_player: Expected, browser_page: Any, artifacts_dir: Path
) -> None:
    # the production ASGI application under uvicorn: pages and GraphiQL on Django, the API on its endpoint
    live_server = SimpleNamespace(url=live_server_factory(GRAPHIQL_ENABLED="1"))
    page = browser_page
    requested_hosts: set[str] = set()
    page.on("request", lambda request: requested_hosts.add(urlsplit(request.url).netloc))
    console_messages: list[str] = []
    page.on("console", lambda message: console_messages.append(f"{message.type}: {message.text}"))
    # What the page logged and which API requests it sent: the failure message when GraphiQL shows nothing.
    page.on(
        "requestfinished",
        lambda request: (
            console_messages.append(f"{request.method} {request.url} {request.post_data or ''}"[:300])
            if "/graphql/" in request.url
            else None
        ),
    )
    expected = demo_player
    assert len(expected.event_ids) > FEED_PAGE_SIZE  # the feed has more than one page

    # given a logged-in demo player
    page.goto(f"{live_server.url}/me/activity/")
    assert "/accounts/login/" in page.url  # logged out: sent to log in first
    page.fill("#id_username", FEATURED_PLAYER)
    page.fill("#id_password", DEMO_PASSWORD)
    page.screenshot(path=artifacts_dir / "01-login.png")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/me/activity/")

    # when they open their profile, then it shows the database's stats
    page.click("text=My profile")
    page.wait_for_url(f"{live_server.url}/players/{FEATURED_PLAYER}/")
    page.screenshot(path=artifacts_dir / "02-profile.png", full_page=True)
    stats = expected.stats
    matches = stat_text(page, "matches_won")
    assert matches.split("\n")[1] == str(stats.matches_won)
    assert stat_text(page, "win_rate") == f"{stats.win_rate_percent}% of {stats.matches_played} played"
    assert stat_text(page, "tournaments_won").split("\n")[1] == str(stats.tournaments_won)
    assert (
        stat_text(page, "tournament_win_rate")
        == f"{stats.tournament_win_rate_percent}% of {stats.tournaments_completed} completed"
    )
    assert stat_text(page, "total_earned").split("\n")[1] == f"{stats.total_earned:,} DC"
    assert stat_text(page, "net_earnings") == f"net {stats.net_earnings:,} DC"

    # and on a phone-sized screen it fits the width (nothing scrolls sideways)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts_dir / "02-profile-phone.png", full_page=True)
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1280, "height": 900})

    # when they page their feed older to the end
    page.click("text=My activity")
    pages = [feed_ids(page)]
    page.screenshot(path=artifacts_dir / "03-feed-first-page.png", full_page=True)
    while page.locator("a[rel=next]").count():
        page.click("a[rel=next]")
        pages.append(feed_ids(page))
    page.screenshot(path=artifacts_dir / "04-feed-last-page.png", full_page=True)
    # then every event shows once, newest first, 50 to a page
    assert [i for ids in pages for i in ids] == expected.event_ids
    assert all(len(ids) == FEED_PAGE_SIZE for ids in pages[:-1])

    # when they page newer back to the start, then they see the same pages in reverse
    back = [feed_ids(page)]
    while page.locator("a[rel=prev]").count():
        page.click("a[rel=prev]")
        back.append(feed_ids(page))
    assert back == list(reversed(pages))

    # when they open GraphiQL on the examples it starts with, then follow a shared link to one query and run it
    page.goto(f"{live_server.url}/graphql/")
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    editor.wait_for()
    examples = page.evaluate("() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()")
    assert "query Stats" in examples
    page.goto(f"{live_server.url}/graphql/?q={quote(ME_QUERY)}")
    editor.wait_for()
    shown = page.evaluate("() => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.getValue()")
    assert shown == ME_QUERY
    page.click(".graphiql-execute-button")
    response_editor = page.locator(".graphiql-response .CodeMirror")
    try:
        page.wait_for_function(
            "() => document.querySelector('.graphiql-response .CodeMirror').CodeMirror.getValue().includes('matchesWon')"
        )
    except Exception:
        page.screenshot(path=artifacts_dir / "99-graphiql-failure.png", full_page=True)
        raise AssertionError("\n".join(console_messages)) from None
    page.screenshot(path=artifacts_dir / "05-graphiql.png", full_page=True)
    result = json.loads(response_editor.evaluate("element => element.CodeMirror.getValue()"))

    # then the answer is the player's matches won, from the same database, with what the operation cost
    assert result["data"] == {"me": {"stats": {"matchesWon": stats.matches_won}}}
    assert result["extensions"]["cost"]["requested"] == 2
    # and nothing was fetched from anywhere but the app (GraphiQL works offline)
    assert requested_hosts == {urlsplit(live_server.url).netloc}
