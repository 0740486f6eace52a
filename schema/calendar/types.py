"""The GraphQL types of a player's activity calendar, streaks and recent form (docs/analytics-calendar.md).

They resolve the selectors' dataclasses as they are (apps/user_profile/selectors/calendar.py and streaks.py:
Calendar, CalendarDay, CalendarTotals, Streaks, FormEntry), their attributes named alike: no copy per field."""

import datetime as dt
import enum

import strawberry

from apps.user_profile.event_types import MATCH_OUTCOMES
from apps.user_profile.selectors.calendar import MAX_CALENDAR_DAYS
from schema.context import Info
from schema.directives import Cost, ListSize
from schema.scalars import BigInt
from schema.tournaments.types import Match

# Weights (docs/api-cost.md): each reads a range of the player's log (the calendar up to a year of it, the streaks
# all of it), where a batched lookup weighs 1.
CALENDAR_WEIGHT = 10
STREAKS_WEIGHT = 10


def _form_result() -> type[enum.Enum]:
    python_enum = enum.Enum("FormResult", {value: value for value in MATCH_OUTCOMES.values()})  # type: ignore[misc]
    return strawberry.enum(
        python_enum,
        description="A completed match's outcome for the player (a forfeit is a win for one side, a loss for the "
        "other).",
    )


FormResult = _form_result()

_COINS = "Sum of the DC coin amounts; null unless the viewer may see the player's coin events."


@strawberry.type(description="One local day of a player's activity calendar (days without events are left out).")
class ActivityCalendarDay:
    date: dt.date = strawberry.field(description="The local day, in the calendar's time zone.")
    total: int = strawberry.field(description="Every event of that day the viewer may see.")
    tournaments: int = strawberry.field(description="Tournaments played (checked in to).")
    matches: int = strawberry.field(description="Matches played.")
    wins: int = strawberry.field(description="Matches won.")
    achievements: int = strawberry.field(description="Achievements unlocked.")
    coins_earned: BigInt | None = strawberry.field(description=_COINS)
    coins_spent: BigInt | None = strawberry.field(description=_COINS)


@strawberry.type(description="The sums of a calendar's days.")
class ActivityCalendarTotals:
    total: int
    active_days: int = strawberry.field(description="Days with at least one event the viewer may see.")
    tournaments: int
    matches: int
    wins: int
    achievements: int
    coins_earned: BigInt | None = strawberry.field(description=_COINS)
    coins_spent: BigInt | None = strawberry.field(description=_COINS)


@strawberry.type(description="A player's activity per local day over a range of up to a year, in one time zone.")
class ActivityCalendar:
    time_zone: str = strawberry.field(description="The IANA time zone the days are in.")
    start: dt.date = strawberry.field(name="from", description="The range's first day (included).")
    end: dt.date = strawberry.field(name="to", description="The range's last day (included).")
    days: list[ActivityCalendarDay] = strawberry.field(
        description="The days with at least one event the viewer may see, oldest first.",
        directives=[ListSize(assumed_size=MAX_CALENDAR_DAYS)],
    )
    totals: ActivityCalendarTotals


@strawberry.type(description="A player's streaks: match wins in a row, and days in a row with activity.")
class Streaks:
    time_zone: str = strawberry.field(description="The IANA time zone the daily streaks count days in.")
    current_win_streak: int = strawberry.field(
        description="Matches won since the latest loss or draw, in the order matches completed."
    )
    longest_win_streak: int = strawberry.field(description="The most matches won in a row, ever.")
    current_daily_streak: int = strawberry.field(
        description="Consecutive local days with activity, ending today or yesterday; 0 otherwise."
    )
    longest_daily_streak: int = strawberry.field(description="The most consecutive local days with activity, ever.")
    last_active_day: dt.date | None = strawberry.field(description="The latest local day with activity.")


@strawberry.type(description="One result of a player's recent form.")
class FormEntry:
    result: FormResult  # type: ignore[valid-type]  # the selector's value (WIN, LOSS, DRAW) names its member
    completed_at: dt.datetime = strawberry.field(description="When the match completed.")
    match_id: strawberry.Private[int]

    @strawberry.field(description="The match; null if it no longer exists.", directives=[Cost(weight="1")])
    async def match(self, info: Info) -> Match | None:
        return await info.context.loaders.match.load(self.match_id)  # type: ignore[return-value]
