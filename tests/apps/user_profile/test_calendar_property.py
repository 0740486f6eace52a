"""Property: for any history and any time zone, the calendar, the streaks and the form equal a straightforward
recomputation in Python (zoneinfo for the local days), whatever events the viewer may not see."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.user_profile.event_types import COIN_EVENT_TYPES
from apps.user_profile.selectors.calendar import calendar_of
from apps.user_profile.selectors.streaks import form_of, streaks_of
from tests.apps.user_profile.calendar_history import STEPS, record_step
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Five weeks around the spring changes: New York (8 March), Berlin (29 March), Lord Howe's half hour (5 April).
T0 = datetime(2026, 3, 1, tzinfo=UTC)
SPAN_MINUTES = 36 * 24 * 60
ZONES = [
    "UTC",
    "Asia/Kathmandu",
    "America/St_Johns",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
]
# Minutes near whole and quarter hours: local midnights in these zones fall on them.
minute = st.one_of(
    st.integers(min_value=0, max_value=SPAN_MINUTES),
    st.integers(min_value=0, max_value=SPAN_MINUTES // 15).map(lambda q: q * 15 + (0, -1, 1)[q % 3]).map(abs),
)
history = st.lists(st.tuples(st.sampled_from(sorted(STEPS)), minute, st.integers(1, 500)), max_size=40)


@dataclass(frozen=True)
class Recorded:
    step: str
    at: datetime
    amount: int
    match_id: int
    order: int  # insertion order: the ids' order among events of one instant


def expected_calendar(events: list[Recorded], zone: str, start: date, end: date, hide_coins: bool) -> list[tuple]:
    per_day: dict[date, Counter[str]] = {}
    for event in events:
        day = event.at.astimezone(ZoneInfo(zone)).date()
        if not start <= day <= end or (hide_coins and event.step in ("earn", "spend")):
            continue
        counts = per_day.setdefault(day, Counter())
        counts["total"] += len(STEPS[event.step])
        counts["tournaments"] += event.step == "tournament"
        counts["matches"] += event.step in ("win", "loss", "draw")
        counts["wins"] += event.step == "win"
        counts["achievements"] += event.step == "achievement"
        counts["earned"] += event.amount if event.step == "earn" else 0
        counts["spent"] += event.amount if event.step == "spend" else 0
    keys = ("total", "tournaments", "matches", "wins", "achievements", "earned", "spent")
    return [(day, *(per_day[day][key] for key in keys)) for day in sorted(per_day)]


def expected_streaks(events: list[Recorded], zone: str, now: datetime, hide_coins: bool) -> tuple:
    outcomes = sorted((e for e in events if e.step in ("win", "loss", "draw")), key=lambda e: (e.at, e.order))
    run = longest_wins = 0
    for event in outcomes:
        run = run + 1 if event.step == "win" else 0
        longest_wins = max(longest_wins, run)
    days = sorted(
        {e.at.astimezone(ZoneInfo(zone)).date() for e in events if not (hide_coins and e.step in ("earn", "spend"))}
    )
    longest_days = current_days = 0
    length = 0
    for index, day in enumerate(days):
        length = length + 1 if index and day - days[index - 1] == timedelta(days=1) else 1
        longest_days = max(longest_days, length)
    today = now.astimezone(ZoneInfo(zone)).date()
    if days and days[-1] >= today - timedelta(days=1):
        current_days = length
    return run, longest_wins, current_days, longest_days, days[-1] if days else None


def expected_form(events: list[Recorded], last: int) -> list[tuple[str, int]]:
    outcomes = sorted((e for e in events if e.step in ("win", "loss", "draw")), key=lambda e: (e.at, e.order))
    results = {"win": "WIN", "loss": "LOSS", "draw": "DRAW"}
    return [(results[e.step], e.match_id) for e in reversed(outcomes)][:last]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=history,
    zone=st.sampled_from(ZONES),
    window=st.tuples(st.integers(-2, 38), st.integers(0, 40)),
    now_minute=st.integers(min_value=0, max_value=SPAN_MINUTES + 3 * 24 * 60),
    hide_coins=st.booleans(),
    last=st.integers(0, 20),
)
def test_calendar_streaks_and_form_equal_a_recomputation(
    steps: list[tuple[str, int, int]],
    zone: str,
    window: tuple[int, int],
    now_minute: int,
    hide_coins: bool,
    last: int,
) -> None:
    with transaction.atomic():
        # given a player's history, recorded step by step (several steps may share an instant)
        player = UserFactory()
        events = []
        for order, (step, at_minute, amount) in enumerate(steps):
            at = T0 + timedelta(minutes=at_minute)
            match_id = record_step(user_id=player.pk, step=step, at=at, amount=amount)
            events.append(Recorded(step=step, at=at, amount=amount, match_id=match_id, order=order))
        start = T0.date() + timedelta(days=window[0])
        end = start + timedelta(days=window[1])
        now = T0 + timedelta(minutes=now_minute)
        hidden = COIN_EVENT_TYPES if hide_coins else frozenset()

        # when the selectors read it in the zone
        calendar = calendar_of(owner_ids=[player.pk], start=start, end=end, time_zone=zone, hidden_event_types=hidden)
        streaks = streaks_of(owner_ids=[player.pk], time_zone=zone, hidden_event_types=hidden, now=now)[player.pk]
        form = form_of(owner_ids=[player.pk], last=last)[player.pk]

        # then each equals the recomputation
        assert [
            (d.date, d.total, d.tournaments, d.matches, d.wins, d.achievements, d.coins_earned, d.coins_spent)
            for d in calendar[player.pk].days
        ] == expected_calendar(events, zone, start, end, hide_coins)
        assert (
            streaks.current_win_streak,
            streaks.longest_win_streak,
            streaks.current_daily_streak,
            streaks.longest_daily_streak,
            streaks.last_active_day,
        ) == expected_streaks(events, zone, now, hide_coins)
        assert [(entry.result, entry.match_id) for entry in form] == expected_form(events, last)
        transaction.set_rollback(True)
