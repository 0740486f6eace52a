"""The read selectors behind the API and the pages, where their edge cases are easiest to reach directly."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from apps.economy.services import transaction_create
from apps.user_profile.selectors import (
    ActivityCursor,
    InvalidCursorError,
    LeaderboardMetric,
    TournamentOutcome,
    activity_forward_pages,
    activity_page,
    economy_recent_transactions_of,
    economy_summary,
    leaderboard_page,
    tournament_history_pages,
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


def test_history_pages_of_many_players_in_one_call() -> None:
    # given a in three tournaments (won the oldest), b in one, c in none
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    start = timezone.now() - timedelta(days=3)
    cups = [make_tournament(name=f"Cup {n}") for n in range(3)]
    ra, rb = enter(cups[0], a, at=start), enter(cups[0], b, at=start)
    play(cups[0], ra, rb, winner=ra)
    finish(cups[0], [ra, rb])
    enter(cups[1], a, at=start + timedelta(hours=1))
    enter(cups[2], a, check_in=False, at=start + timedelta(hours=2))

    # when the first two entries of each are asked for at once (a repeated id is one player)
    pages = tournament_history_pages(user_ids=[a.pk, b.pk, c.pk, a.pk], first=2)

    # then each player gets their own page, newest first
    assert list(pages) == [a.pk, b.pk, c.pk]
    assert [e.tournament.name for e in pages[a.pk].items] == ["Cup 2", "Cup 1"]
    assert [(e.checked_in, e.completed) for e in pages[a.pk].items] == [(False, False), (True, False)]
    assert pages[a.pk].has_next_page is True
    [won] = pages[b.pk].items
    assert (won.tournament.name, won.placement, won.result, won.matches_played, won.matches_lost) == (
        "Cup 0",
        2,
        TournamentOutcome.RUNNER_UP,
        1,
        1,
    )
    assert pages[b.pk].has_next_page is False
    assert (pages[c.pk].items, pages[c.pk].has_next_page) == ([], False)
    # and a's cursor pages on to the oldest entry
    after = ActivityCursor.decode(pages[a.pk].items[-1].cursor)
    rest = tournament_history_pages(user_ids=[a.pk], first=2, after=after)[a.pk]
    assert [(e.tournament.name, e.placement, e.result) for e in rest.items] == [("Cup 0", 1, TournamentOutcome.WON)]
    assert (rest.has_next_page, rest.has_previous_page) == (False, True)


def test_recent_transactions_of_many_players_in_one_call() -> None:
    # given a with four ledger lines (two at the same instant), b with one, c with none
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    for amount in (10, -3, 7):
        transaction_create(user=a, amount=amount, reason="ADJUSTMENT")
    same_time = a.dc_transactions.latest("id")
    transaction_create(user=a, amount=2, reason="ADJUSTMENT", created_at=same_time.created_at)
    transaction_create(user=b, amount=99, reason="DAILY_REWARD")

    # when each one's three newest lines are asked for at once
    lines = economy_recent_transactions_of(user_ids=[a.pk, b.pk, c.pk], first=3)

    # then each gets their own, newest first (the later line first at the same instant)
    assert {user_id: [tx.amount for tx in rows] for user_id, rows in lines.items()} == {
        a.pk: [2, 7, -3],
        b.pk: [99],
        c.pk: [],
    }
    assert economy_recent_transactions_of(user_ids=[a.pk], first=0) == {a.pk: []}


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
