"""What User.activityCalendar, User.streaks and User.form resolve to (the User type delegates here).

Arguments are checked before any work, so a bad one fails its own field and never the batch of the other
players' fields; the privacy policy decides what the viewer sees (the fields' PolicyGuard, then the event
types hidden from the viewer and the coin columns)."""

from dataclasses import replace
from datetime import date
from typing import Any

from apps.privacy import policy
from apps.user_profile.selectors.activity import InvalidPageArgumentsError
from apps.user_profile.selectors.calendar import (
    Calendar,
    InvalidCalendarArgumentError,
    calendar_range,
    validate_time_zone,
)
from apps.user_profile.selectors.streaks import validate_form_size
from schema.calendar.types import ActivityCalendar, FormEntry, Streaks
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
    if await _coins_visible(info, owner_id):
        return calendar  # type: ignore[return-value]
    return _CalendarWithoutCoins(calendar)  # type: ignore[return-value]


_NO_COINS: dict[str, Any] = {"coins_earned": None, "coins_spent": None}


class _CalendarWithoutCoins:
    """A calendar as a viewer who may not see the player's coin events sees it (the policy's coinsEarned and
    coinsSpent of ActivityCalendarDay): its days and totals with the coin sums null, the rest the calendar's."""

    __slots__ = ("_calendar", "days", "totals")

    def __init__(self, calendar: Calendar) -> None:
        self._calendar = calendar
        self.days = [replace(day, **_NO_COINS) for day in calendar.days]
        self.totals = replace(calendar.totals, **_NO_COINS)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._calendar, name)


async def streaks(*, owner_id: int, info: Info, time_zone: str) -> Streaks:
    zone = _time_zone(time_zone)
    hidden = await _hidden_event_types(info, owner_id)
    return await info.context.loaders.streaks.load((owner_id, zone, hidden))  # type: ignore[return-value]


async def form(*, owner_id: int, info: Info, last: int) -> list[FormEntry]:
    try:
        validate_form_size(last)
    except InvalidPageArgumentsError as error:
        raise BadInputError(str(error)) from error
    return await info.context.loaders.form.load((owner_id, last))  # type: ignore[return-value]
