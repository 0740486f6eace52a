"""The event types and the facts every part of the product shares about them: written here once.

- `ActivityEventType`: the 15 kinds of things that happen to a player;
- `COIN_EVENT_TYPES`: the coin events (an amount each, private to their player and staff);
- `PLACEMENT_EVENTS`: which final placement stands for which event;
- `COUNTER_FOR_EVENT`: which stats counter each event type drives (coin events add their amount, the others
  one), and from it the stored stats fields;
- `net_earnings` / `NET_EARNINGS_SQL`: coins earned minus coins spent.

Models, services, selectors, the API and the benchmarks import these names; none of them spells the facts
out again. No database access, no Django app registry and no settings: importable from anywhere, migrations
and the benchmark's bare floor (which runs without Django) included.
"""

from django.db import models


class ActivityEventType(models.TextChoices):
    TOURNAMENT_REGISTERED = "tournament_registered", "Registered for a tournament"
    TOURNAMENT_JOINED = "tournament_joined", "Checked in to a tournament"
    TOURNAMENT_COMPLETED = "tournament_completed", "Completed a tournament"
    TOURNAMENT_WON = "tournament_won", "Won a tournament"
    TOURNAMENT_RUNNER_UP = "tournament_runner_up", "Runner-up in a tournament"
    TOURNAMENT_TOP4 = "tournament_top4", "Top 4 in a tournament"
    MATCH_PLAYED = "match_played", "Played a match"
    MATCH_WON = "match_won", "Won a match"
    MATCH_LOST = "match_lost", "Lost a match"
    # A completed match with no winner and no forfeit (best-of-two series, timeouts): without it a draw
    # would silently vanish from a player's record and won + lost would not explain played.
    MATCH_DRAWN = "match_drawn", "Drew a match"
    COINS_EARNED = "coins_earned", "Earned DC coins"
    COINS_SPENT = "coins_spent", "Spent DC coins"
    ACHIEVEMENT_UNLOCKED = "achievement_unlocked", "Unlocked an achievement"
    TEAM_JOINED = "team_joined", "Joined a team"
    TEAM_LEFT = "team_left", "Left a team"


E = ActivityEventType

# The enum's order is causal: registered before checked in before completed before placed, played before its
# outcome. Events of one player at one moment are recorded in this order (and so listed in it).
CAUSAL_ORDER: tuple[str, ...] = tuple(E.values)

# Coin events carry a positive integer metadata["amount"]; their counters add it. Only the player and staff
# see them.
COIN_EVENT_TYPES: frozenset[str] = frozenset({E.COINS_EARNED, E.COINS_SPENT})

# Final placements that stand for an event; other placements produce none.
PLACEMENT_EVENTS: dict[int, str] = {
    1: E.TOURNAMENT_WON,
    2: E.TOURNAMENT_RUNNER_UP,
    3: E.TOURNAMENT_TOP4,
    4: E.TOURNAMENT_TOP4,
}

# Each stored counter is driven by exactly one event type; first/last_activity_at follow every event.
COUNTER_FOR_EVENT: dict[str, str] = {
    E.TOURNAMENT_REGISTERED: "tournaments_registered",
    E.TOURNAMENT_JOINED: "tournaments_played",
    E.TOURNAMENT_COMPLETED: "tournaments_completed",
    E.TOURNAMENT_WON: "tournaments_won",
    E.TOURNAMENT_RUNNER_UP: "tournaments_runner_up",
    E.TOURNAMENT_TOP4: "tournaments_top4",
    E.MATCH_PLAYED: "matches_played",
    E.MATCH_WON: "matches_won",
    E.MATCH_LOST: "matches_lost",
    E.MATCH_DRAWN: "matches_drawn",
    E.COINS_EARNED: "total_earned",
    E.COINS_SPENT: "total_spent",
    E.ACHIEVEMENT_UNLOCKED: "achievements_unlocked",
    E.TEAM_JOINED: "teams_joined",
    E.TEAM_LEFT: "teams_left",
}
COUNTER_FIELDS: tuple[str, ...] = tuple(COUNTER_FOR_EVENT.values())
TIME_FIELDS: tuple[str, ...] = ("first_activity_at", "last_activity_at")
STORED_FIELDS: tuple[str, ...] = COUNTER_FIELDS + TIME_FIELDS
EARNED_FIELD = COUNTER_FOR_EVENT[E.COINS_EARNED]
SPENT_FIELD = COUNTER_FOR_EVENT[E.COINS_SPENT]


def net_earnings(*, total_earned: int, total_spent: int) -> int:
    """DC coins earned minus coins spent."""
    return total_earned - total_spent


# The same in SQL over a stats row (leaderboards, the benchmarks' SQL floor).
NET_EARNINGS_SQL = f"({EARNED_FIELD} - {SPENT_FIELD})"


# --- Activity calendar, streaks and form (docs/analytics-calendar.md) -------------------------------------------
# What each of the calendar's per-day counts counts: tournaments played (checked in), matches played, matches won
# and achievements unlocked. Coin events are summed by amount (COINS_EARNED / COINS_SPENT), when visible.
CALENDAR_KINDS: dict[str, str] = {
    "tournaments": E.TOURNAMENT_JOINED,
    "matches": E.MATCH_PLAYED,
    "wins": E.MATCH_WON,
    "achievements": E.ACHIEVEMENT_UNLOCKED,
}
# A completed match's outcome for one player, as recent form and the win streak read it: every completed match
# records exactly one of these for each of its players (a forfeit: a win for one side, a loss for the other).
MATCH_OUTCOMES: dict[str, str] = {E.MATCH_WON: "WIN", E.MATCH_LOST: "LOSS", E.MATCH_DRAWN: "DRAW"}
