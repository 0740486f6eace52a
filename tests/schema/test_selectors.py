"""The read selectors behind the API and the pages, where their edge cases are easiest to reach directly."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.economy.services import transaction_create
from apps.user_profile.selectors import (
    ActivityCursor,
    InvalidCursorError,
    LeaderboardMetric,
    activity_forward_pages,
    activity_page,
    economy_summary,
    leaderboard_page,
)
from apps.user_profile.selectors.cursors import encode_cursor
from apps.user_profile.services.events import EventSpec, record_events
from tests.factories import UserFactory, enter, finish, make_tournament, play

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "cursor",
    [
        encode_cursor("activity", ["not a time", 1]),
        encode_cursor("activity", ["2026-01-01T00:00:00", 1]),  # naive
        encode_cursor("activity", ["2026-01-01T00:00:00+00:00", True]),
        encode_cursor("activity", ["2026-01-01T00:00:00+00:00", 2**63]),
        encode_cursor("activity", ["2026-01-01T00:00:00+00:00"]),
        encode_cursor("leaderboard", ["2026-01-01T00:00:00+00:00", 1]),
        "",
        "!!!",
    ],
)
def test_activity_cursor_rejects_anything_it_did_not_hand_out(cursor: str) -> None:
    with pytest.raises(InvalidCursorError, match="Invalid activity cursor"):
        ActivityCursor.decode(cursor)


def test_activity_cursor_round_trips() -> None:
    cursor = ActivityCursor(timestamp=datetime(2026, 5, 1, 12, 30, tzinfo=UTC), id=42)
    assert ActivityCursor.decode(cursor.encode()) == cursor


def _events(user_id: int, n: int) -> datetime:
    base = timezone.now() - timedelta(days=10)
    record_events(
        events=[
            EventSpec(
                user_id=user_id,
                event_type="achievement_unlocked",
                timestamp=base + timedelta(days=i),
                source_model="test.source",
                source_id=i + 1,
                metadata={},
            )
            for i in range(n)
        ]
    )
    return base


def test_since_is_inclusive_and_until_exclusive_on_both_paths() -> None:
    # given events on days 0..5
    player = UserFactory()
    base = _events(player.pk, 6)
    window = {"since": base + timedelta(days=1), "until": base + timedelta(days=4)}

    # when the window is read forward (one or many players) and backward
    forward = activity_forward_pages(owner_ids=[player.pk], viewer_id=None, viewer_is_staff=False, **window)
    backward = activity_page(owner_id=player.pk, viewer_id=None, viewer_is_staff=False, last=10, **window)
    ordinary = activity_page(
        owner_id=player.pk, viewer_id=None, viewer_is_staff=False, event_types=["achievement_unlocked"], **window
    )

    # then days 1, 2, 3 come back, newest first
    expected = [base + timedelta(days=d) for d in (3, 2, 1)]
    assert [e.timestamp for e in forward[player.pk].items] == expected
    assert [e.timestamp for e in backward.items] == expected
    assert [e.timestamp for e in ordinary.items] == expected


def test_forward_pages_of_many_players_apply_privacy_per_owner() -> None:
    # given two players with a coin event each
    a, b = UserFactory(), UserFactory()
    transaction_create(user=a, amount=10, reason="DAILY_REWARD")
    transaction_create(user=b, amount=10, reason="DAILY_REWARD")

    # when player a reads both feeds in one query
    pages = activity_forward_pages(owner_ids=[a.pk, b.pk], viewer_id=a.pk, viewer_is_staff=False, first=5)

    # then a sees their own coins only
    assert [len(pages[a.pk].items), len(pages[b.pk].items)] == [1, 0]
    assert pages[a.pk].has_next_page is False


def test_economy_summary_totals_and_recent_lines() -> None:
    player = UserFactory()
    for amount in (40, -15, 5):
        transaction_create(user=player, amount=amount, reason="ADJUSTMENT")
    summary = economy_summary(user_id=player.pk, recent=2)
    assert (summary.total_earned, summary.total_spent, summary.net_earnings) == (45, 15, 30)
    assert [tx.amount for tx in summary.recent_transactions] == [5, -15]
    nobody = economy_summary(user_id=UserFactory().pk)
    assert (nobody.total_earned, nobody.total_spent, nobody.recent_transactions) == (0, 0, [])


def test_every_leaderboard_metric_ranks_and_pages() -> None:
    # given two players: a won the tournament and a match, b earned more coins
    a, b = UserFactory(), UserFactory()
    cup = make_tournament()
    ra, rb = enter(cup, a), enter(cup, b)
    play(cup, ra, rb, winner=ra)
    finish(cup, [ra, rb])
    transaction_create(user=b, amount=900, reason="TOURNAMENT_PRIZE")

    def top(metric: LeaderboardMetric, **kwargs) -> list[tuple[int, float | int]]:
        page = leaderboard_page(metric=metric, first=1, **kwargs)
        rest = leaderboard_page(metric=metric, first=5, after=page.items[0].cursor, **kwargs)
        return [
            (entry.stats.user_id, entry.value)
            for entry in page.items + rest.items
            if entry.stats.user_id in {a.pk, b.pk}
        ]

    # then each metric orders them by its value
    assert top(LeaderboardMetric.TOURNAMENTS_WON) == [(a.pk, 1), (b.pk, 0)]
    assert top(LeaderboardMetric.MATCHES_WON) == [(a.pk, 1), (b.pk, 0)]
    assert top(LeaderboardMetric.NET_EARNINGS) == [(b.pk, 900), (a.pk, 0)]
    assert top(LeaderboardMetric.WIN_RATE, min_matches=1) == [(a.pk, 1.0), (b.pk, 0.0)]
    assert leaderboard_page(metric=LeaderboardMetric.WIN_RATE).items == []  # nobody has 10 matches yet
    with pytest.raises(ValueError, match="`minMatches` must be 0 or more"):
        leaderboard_page(metric=LeaderboardMetric.MATCHES_WON, min_matches=-1)
    with pytest.raises(InvalidCursorError):
        leaderboard_page(metric=LeaderboardMetric.MATCHES_WON, after=encode_cursor("leaderboard", ["MATCHES_WON", 1]))
