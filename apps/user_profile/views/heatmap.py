"""The profile's activity heatmap, streaks and form: laid out on the server as an SVG (readable without
JavaScript: each day carries its own title), in the visitor's time zone.

The time zone is the `tz` query parameter, else the `tz` cookie (set by static/js/timezone.js from the
browser's Intl.DateTimeFormat), else UTC. Thin over the calendar and streak selectors the API uses.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from apps.tournaments.models import Match
from apps.user_profile.selectors.calendar import (
    Calendar,
    CalendarDay,
    InvalidCalendarArgumentError,
    calendar_of,
    calendar_range,
    validate_time_zone,
)
from apps.user_profile.selectors.streaks import FormEntry, Streaks, form_of, streaks_of

CELL = 13  # px per day square, gap included
LEFT = 30  # room for the weekday labels
TOP = 18  # room for the month labels
PROFILE_FORM = 10
TIME_ZONE_COOKIE = "tz"
WEEKDAYS = ("Mon", "", "Wed", "", "Fri", "", "")


@dataclass(frozen=True, slots=True)
class Cell:
    x: int
    y: int
    level: int  # 0 (nothing) to 4 (the busiest days)
    title: str
    date: str
    total: int


@dataclass(frozen=True, slots=True)
class Heatmap:
    time_zone: str
    start: date
    end: date
    cells: list[Cell]
    months: list[tuple[int, str]]  # (x, label)
    weekdays: list[tuple[int, str]]  # (y, label)
    width: int
    height: int
    totals: CalendarDay
    active_days: int
    summary: str


@dataclass(frozen=True, slots=True)
class FormItem:
    result: str
    letter: str
    title: str


def visitor_time_zone(query: Mapping[str, str], cookies: Mapping[str, str]) -> tuple[str, str | None]:
    """The zone to show days in, and a notice when the one asked for is unknown (then UTC)."""
    asked = query.get("tz") or cookies.get(TIME_ZONE_COOKIE) or "UTC"
    try:
        return validate_time_zone(asked), None
    except InvalidCalendarArgumentError as error:
        return "UTC", f"{error} Showing days in UTC."


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else plural or word + 's'}"


def _day_title(day: date, row: CalendarDay | None, *, coins: bool) -> str:
    if row is None:
        return f"{day:%a %-d %b %Y}: no activity"
    parts = [
        _plural(row.tournaments, "tournament"),
        _plural(row.matches, "match", "matches"),
        _plural(row.wins, "win"),
        _plural(row.achievements, "achievement"),
    ]
    if coins:
        parts.append(f"+{row.coins_earned:,} / -{row.coins_spent:,} DC")
    return f"{day:%a %-d %b %Y}: {_plural(row.total, 'event')} ({', '.join(parts)})"


def _level(total: int, busiest: int) -> int:
    if total == 0:
        return 0
    return max(1, min(4, -(-4 * total // busiest)))  # quarters of the busiest day, rounded up


def heatmap_layout(calendar: Calendar, *, coins: bool) -> Heatmap:
    """Weeks as columns (Monday on top), one square per day of the range, like a contribution calendar."""
    by_day = {row.date: row for row in calendar.days}
    busiest = max((row.total for row in calendar.days), default=0)
    first_monday = calendar.start - timedelta(days=calendar.start.weekday())
    cells: list[Cell] = []
    months: list[tuple[int, str]] = []
    day = calendar.start
    while day <= calendar.end:
        week = (day - first_monday).days // 7
        x = LEFT + week * CELL
        starts_month = day.day == 1 or day == calendar.start
        if starts_month and (not months or x - months[-1][0] >= 3 * CELL):  # no overlapping labels
            months.append((x, f"{day:%b}"))
        row = by_day.get(day)
        total = row.total if row else 0
        cells.append(
            Cell(
                x=x,
                y=TOP + day.weekday() * CELL,
                level=_level(total, busiest),
                title=_day_title(day, row, coins=coins),
                date=day.isoformat(),
                total=total,
            )
        )
        day += timedelta(days=1)
    weeks = (calendar.end - first_monday).days // 7 + 1
    totals = calendar.totals
    return Heatmap(
        time_zone=calendar.time_zone,
        start=calendar.start,
        end=calendar.end,
        cells=cells,
        months=months,
        weekdays=[(TOP + index * CELL + 10, label) for index, label in enumerate(WEEKDAYS) if label],
        width=LEFT + weeks * CELL,
        height=TOP + 7 * CELL,
        totals=totals,
        active_days=calendar.active_days,
        summary=(
            f"{_plural(totals.total, 'event')} on {_plural(calendar.active_days, 'day')} from "
            f"{calendar.start:%-d %b %Y} to {calendar.end:%-d %b %Y}, days in {calendar.time_zone}"
        ),
    )


def _form_items(entries: list[FormEntry]) -> list[FormItem]:
    # One query for the matches and their tournaments, whatever the number of results (none included: the
    # page runs the same queries for every player; no match has id 0).
    matches = Match.objects.select_related("tournament").in_bulk([entry.match_id for entry in entries] or [0])
    items = []
    for entry in entries:
        match = matches.get(entry.match_id)
        where = f"{match.tournament.name}, round {match.round}" if match else "a match no longer listed"
        items.append(
            FormItem(
                result=entry.result.lower(),
                letter=entry.result[0],
                title=f"{entry.result.title()}: {where}, {entry.completed_at:%-d %b %Y}",
            )
        )
    return items


@dataclass(frozen=True, slots=True)
class ActivitySummary:
    heatmap: Heatmap
    streaks: Streaks
    form: list[FormItem]


def activity_summary(
    *, owner_id: int, time_zone: str, hidden_event_types: frozenset[str], coins: bool
) -> ActivitySummary:
    """The heatmap of the 365 days ending today in `time_zone`, the streaks and the latest results: four queries."""
    start, end = calendar_range(start=None, end=None, time_zone=time_zone)
    calendar = calendar_of(
        owner_ids=[owner_id], start=start, end=end, time_zone=time_zone, hidden_event_types=hidden_event_types
    )[owner_id]
    streaks = streaks_of(owner_ids=[owner_id], time_zone=time_zone, hidden_event_types=hidden_event_types)[owner_id]
    form = form_of(owner_ids=[owner_id], last=PROFILE_FORM)[owner_id]
    return ActivitySummary(heatmap=heatmap_layout(calendar, coins=coins), streaks=streaks, form=_form_items(form))
