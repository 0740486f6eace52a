"""What User.activityCalendar, User.streaks and User.form resolve to (the User type delegates here).

Arguments are checked before any work, so a bad one fails its own field and never the batch of the other
players' fields; the privacy policy decides what the viewer sees (the fields' PolicyGuard, then the event
types hidden from the viewer and the coin columns)."""

from datetime import date

from apps.privacy import policy
from apps.user_profile.selectors.activity import InvalidPageArgumentsError
from apps.user_profile.selectors.calendar import (
    Calendar,
    CalendarDay,
    InvalidCalendarArgumentError,
    calendar_range,
    validate_time_zone,
)
from apps.user_profile.selectors.streaks import validate_form_size
from schema.calendar.types import (
    ActivityCalendar,
    ActivityCalendarDay,
    ActivityCalendarTotals,
    FormEntry,
    FormResult,
    Streaks,
)
from schema.context import Info
from schema.errors import BadInputError
from schema.privacy.access import settings_for_visibility


async def _hidden_event_types(info: Info, owner_id: int) -> frozenset[str]:
    settings = await settings_for_visibility(info, owner_id)
    return policy.hidden_event_types(viewer=info.context.viewer, owner_id=owner_id, settings=settings)


async def _coins_visible(info: Info, owner_id: int) -> bool:
    settings = await settings_for_visibility(info, owner_id)
    visible = policy.visible_fields(
        "ActivityCalendarDay", viewer=info.context.viewer, owner_id=owner_id, settings=settings
    )
    return "coinsEarned" in visible and "coinsSpent" in visible


def _time_zone(name: str) -> str:
    try:
        return validate_time_zone(name)
    except InvalidCalendarArgumentError as error:
        raise BadInputError(str(error)) from error


async def activity_calendar(
    *, owner_id: int, info: Info, start: date | None, end: date | None, time_zone: str
) -> ActivityCalendar:
    zone = _time_zone(time_zone)
    try:
        start, end = calendar_range(start=start, end=end, time_zone=zone)
    except InvalidCalendarArgumentError as error:
        raise BadInputError(str(error)) from error
    hidden = await _hidden_event_types(info, owner_id)
    calendar = await info.context.loaders.activity_calendar.load((owner_id, start, end, zone, hidden))
    return _calendar_type(calendar, coins=await _coins_visible(info, owner_id))


def _calendar_type(calendar: Calendar, *, coins: bool) -> ActivityCalendar:
    def day(row: CalendarDay) -> ActivityCalendarDay:
        return ActivityCalendarDay(
            date=row.date,
            total=row.total,
            tournaments=row.tournaments,
            matches=row.matches,
            wins=row.wins,
            achievements=row.achievements,
            coins_earned=row.coins_earned if coins else None,  # type: ignore[arg-type]
            coins_spent=row.coins_spent if coins else None,  # type: ignore[arg-type]
        )

    totals = day(calendar.totals)
    return ActivityCalendar(
        time_zone=calendar.time_zone,
        from_=calendar.start,
        to=calendar.end,
        days=[day(row) for row in calendar.days],
        totals=ActivityCalendarTotals(
            total=totals.total,
            active_days=calendar.active_days,
            tournaments=totals.tournaments,
            matches=totals.matches,
            wins=totals.wins,
            achievements=totals.achievements,
            coins_earned=totals.coins_earned,
            coins_spent=totals.coins_spent,
        ),
    )


async def streaks(*, owner_id: int, info: Info, time_zone: str) -> Streaks:
    zone = _time_zone(time_zone)
    hidden = await _hidden_event_types(info, owner_id)
    found = await info.context.loaders.streaks.load((owner_id, zone, hidden))
    return Streaks(
        time_zone=found.time_zone,
        current_win_streak=found.current_win_streak,
        longest_win_streak=found.longest_win_streak,
        current_daily_streak=found.current_daily_streak,
        longest_daily_streak=found.longest_daily_streak,
        last_active_day=found.last_active_day,
    )


async def form(*, owner_id: int, info: Info, last: int) -> list[FormEntry]:
    try:
        validate_form_size(last)
    except InvalidPageArgumentsError as error:
        raise BadInputError(str(error)) from error
    entries = await info.context.loaders.form.load((owner_id, last))
    return [
        FormEntry(result=FormResult(entry.result), completed_at=entry.completed_at, match_id=entry.match_id)
        for entry in entries
    ]
