"""Every analytic equals a straightforward recomputation from the raw events, over generated histories.

The oracle below reads the players' events and the tournaments' games and counts in Python, with its own
table of which event type is which counter (independent of apps/user_profile/event_types.py); months are
taken in the time zone with zoneinfo, so offsets like +05:45 and -03:30 and daylight-saving changes count.
"""

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from apps.analytics.selectors.rank import ranks_of
from apps.analytics.selectors.segments import (
    BreakdownBy,
    SeasonWindow,
    Segment,
    breakdown_of,
    segment_stats_of,
)
from apps.analytics.services import season_create
from apps.economy.services import transaction_create
from apps.privacy.policy import BoardScope
from apps.tournaments.models import Tournament
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors.leaderboard import LeaderboardMetric
from tests.factories import UserFactory, enter, finish, make_tournament, play

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 2, 20, tzinfo=UTC)
GAMES = ("Valorant", "Dota 2")
ZONES = ("UTC", "Asia/Kathmandu", "America/St_Johns", "Europe/Berlin", "Australia/Lord_Howe")
# The oracle's own table: event type -> counter (coin events add their amount).
ORACLE_COUNTERS = {
    "tournament_registered": "tournaments_registered",
    "tournament_joined": "tournaments_played",
    "tournament_completed": "tournaments_completed",
    "tournament_won": "tournaments_won",
    "tournament_runner_up": "tournaments_runner_up",
    "tournament_top4": "tournaments_top4",
    "match_played": "matches_played",
    "match_won": "matches_won",
    "match_lost": "matches_lost",
    "match_drawn": "matches_drawn",
    "coins_earned": "total_earned",
    "coins_spent": "total_spent",
    "achievement_unlocked": "achievements_unlocked",
    "team_joined": "teams_joined",
    "team_left": "teams_left",
}
EVERYONE = BoardScope(settings=(), viewer_id=None)

# Moments on a coarse grid (UTC midnights and every 6 hours, across the March and April month starts), and
# seasons from midnight to midnight: events often fall exactly on a season's bounds.
minutes = st.tuples(st.integers(min_value=0, max_value=40), st.sampled_from([0, 6, 12, 18])).map(
    lambda t: BASE + timedelta(days=t[0], hours=t[1])
)
midnights = st.integers(min_value=0, max_value=40).map(lambda n: BASE + timedelta(days=n))
matches = st.tuples(st.sampled_from(range(len(GAMES))), minutes, st.sampled_from(["a", "b", "draw"]), st.booleans())
coins = st.tuples(minutes, st.integers(min_value=-50, max_value=80).filter(bool))
seasons = st.tuples(midnights, st.integers(min_value=1, max_value=30), st.sampled_from(["", *GAMES]))


def counters(events: list[dict[str, Any]]) -> dict[str, int]:
    totals: Counter[str] = Counter(dict.fromkeys(ORACLE_COUNTERS.values(), 0))
    for event in events:
        amount = int(event["metadata"]["amount"]) if event["event_type"].startswith("coins_") else 1
        totals[ORACLE_COUNTERS[event["event_type"]]] += amount
    return dict(totals)


def stored(stats: Any) -> dict[str, int]:
    return {name: getattr(stats, name) for name in ORACLE_COUNTERS.values()}


def oracle_rank(values: dict[int, float], user_id: int) -> tuple[int, int, int] | None:
    if user_id not in values:
        return None
    board = sorted(values.items(), key=lambda item: (-item[1], item[0]))
    position = [uid for uid, _ in board].index(user_id) + 1
    lower = sum(1 for value in values.values() if value < values[user_id])
    return position, lower, len(values)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    played=st.lists(matches, min_size=1, max_size=8),
    ledger=st.lists(coins, max_size=4),
    season_specs=st.lists(seasons, min_size=1, max_size=2),
    zone=st.sampled_from(ZONES),
    finished=st.booleans(),
)
# Events on a season's bounds (its start counts, its end does not) and on a month start in Kathmandu and St John's.
@example(
    played=[(0, BASE + timedelta(days=1), "a", True), (1, BASE + timedelta(days=2), "draw", False)],
    ledger=[(datetime(2026, 2, 28, 18, 15, tzinfo=UTC), 30), (datetime(2026, 3, 1, 3, 30, tzinfo=UTC), -5)],
    season_specs=[(BASE + timedelta(days=1), 1, ""), (BASE, 1, "Valorant")],
    zone="Asia/Kathmandu",
    finished=True,
)
@example(
    played=[(0, datetime(2026, 3, 1, 3, 0, tzinfo=UTC), "b", True)],
    ledger=[(datetime(2026, 3, 1, 3, 30, tzinfo=UTC), 7)],
    season_specs=[(BASE, 9, "Dota 2")],
    zone="America/St_Johns",
    finished=False,
)
def test_analytics_equal_a_recomputation_from_the_events(
    played: list[Any], ledger: list[Any], season_specs: list[Any], zone: str, finished: bool
) -> None:
    with transaction.atomic():
        check_history(played, ledger, season_specs, zone, finished)
        transaction.set_rollback(True)  # each example on an empty platform


def check_history(played: list[Any], ledger: list[Any], season_specs: list[Any], zone: str, finished: bool) -> None:
    # given three players in a tournament of each game, matches at generated moments, ledger lines and seasons
    players = [UserFactory() for _ in range(3)]
    cups = [make_tournament(game=game, starts_at=BASE) for game in GAMES]
    entries = [[enter(cup, player, at=BASE) for player in players] for cup in cups]
    last = BASE
    for index, (game, at, outcome, first_pair) in enumerate(sorted(played, key=lambda m: m[1])):
        a, b = (0, 1) if first_pair else (1, 2 if index % 2 else 0)
        side_a, side_b = entries[game][a], entries[game][b]
        winner = {"a": side_a, "b": side_b, "draw": None}[outcome]
        play(cups[game], side_a, side_b, winner=winner, at=at)
        last = max(last, at)
    if finished:
        finish(cups[0], entries[0], at=last + timedelta(hours=1))
    for index, (at, amount) in enumerate(ledger):
        reason = "DAILY_REWARD" if amount > 0 else "ENTRY_FEE"
        transaction_create(user=players[index % 3], amount=amount, reason=reason, created_at=at)
    windows = [
        SeasonWindow.of(season_create(name=f"S{i}", starts_at=start, ends_at=start + timedelta(days=days), game=game))
        for i, (start, days, game) in enumerate(season_specs)
    ]

    # the oracle: every event of the three players with its game
    game_of = dict(Tournament.objects.values_list("id", "game"))
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in UserActivity.objects.filter(user__in=players).values("user_id", "event_type", "timestamp", "metadata"):
        event: dict[str, Any] = {**row, "game": game_of.get(row["metadata"].get("tournament_id"))}
        events[event["user_id"]].append(event)
    ids = [p.pk for p in players]

    def in_season(event: dict[str, Any], season: SeasonWindow) -> bool:
        in_time = season.starts_at <= event["timestamp"] < season.ends_at
        return in_time and (not season.game or event["game"] == season.game)

    # then segment stats by game, season and window equal the oracle's counts
    for game in GAMES:
        found = segment_stats_of(user_ids=ids, segment=Segment(game=game))
        for uid in ids:
            assert stored(found[uid]) == counters([e for e in events[uid] if e["game"] == game])
    for season in windows:
        found = segment_stats_of(user_ids=ids, segment=Segment(season=season))
        for uid in ids:
            assert stored(found[uid]) == counters([e for e in events[uid] if in_season(e, season)])
    since, until = windows[0].starts_at, windows[0].ends_at
    found = segment_stats_of(user_ids=ids, segment=Segment(since=since, until=until))
    for uid in ids:
        assert stored(found[uid]) == counters([e for e in events[uid] if since <= e["timestamp"] < until])

    # breakdowns: by game, by season, by month in the generated time zone
    tz = ZoneInfo(zone)
    keys = {
        BreakdownBy.GAME: lambda e: [e["game"]] if e["game"] else [],
        BreakdownBy.SEASON: lambda e: [str(s.id) for s in windows if in_season(e, s)],
        BreakdownBy.MONTH: lambda e: [e["timestamp"].astimezone(tz).strftime("%Y-%m")],
    }
    for by, key_of in keys.items():
        found_breakdown = breakdown_of(user_ids=ids, by=by, segment=Segment(), time_zone=zone, first=100)
        for uid in ids:
            grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for event in events[uid]:
                for key in key_of(event):
                    grouped[key].append(event)
            assert {item.key: stored(item.stats) for item in found_breakdown[uid]} == {
                key: counters(group) for key, group in grouped.items()
            }
            for item in found_breakdown[uid]:
                if by is BreakdownBy.MONTH:  # the month's bounds are local midnights on the 1st
                    local = item.starts_at.astimezone(tz) if item.starts_at else None
                    assert local is not None
                    assert (local.day, local.hour, local.minute) == (1, 0, 0)

    # ranks: overall and per game / season, each against the oracle's board (players with a match in it)
    def board(segment_events: dict[int, list[dict[str, Any]]], metric: LeaderboardMetric) -> dict[int, float]:
        values: dict[int, float] = {}
        for uid, evs in segment_events.items():
            c = counters(evs)
            if metric is LeaderboardMetric.MATCHES_WON and c["matches_played"]:
                values[uid] = c["matches_won"]
            elif metric is LeaderboardMetric.WIN_RATE and c["matches_played"]:
                values[uid] = c["matches_won"] / c["matches_played"]
        return values

    segments = [Segment(game=g) for g in GAMES] + [Segment(season=s) for s in windows]
    for segment in segments:
        narrowed = {
            uid: [
                e
                for e in events[uid]
                if (segment.game is None or e["game"] == segment.game)
                and (segment.season is None or in_season(e, segment.season))
            ]
            for uid in ids
        }
        for metric in (LeaderboardMetric.MATCHES_WON, LeaderboardMetric.WIN_RATE):
            ranks = ranks_of(user_ids=ids, metric=metric, segment=segment, min_matches=1, scope=EVERYONE)
            values = board(narrowed, metric)
            for uid in ids:
                found_rank = ranks[uid]
                expected = oracle_rank(values, uid)
                got = None if found_rank is None else (found_rank.rank, found_rank.lower, found_rank.ranked_players)
                assert got == expected, (metric, segment, uid)
                if found_rank is not None:
                    assert found_rank.value == pytest.approx(values[uid])
    overall = ranks_of(user_ids=ids, metric=LeaderboardMetric.MATCHES_WON, scope=EVERYONE)
    all_values: dict[int, float] = {
        uid: counters(events[uid])["matches_won"] for uid in User.objects.values_list("id", flat=True)
    }
    for uid in ids:
        found_overall = overall[uid]
        assert found_overall is not None
        assert (found_overall.rank, found_overall.lower, found_overall.ranked_players) == oracle_rank(all_values, uid)
