"""The fetches behind the request's calendar, streak and form loaders (schema.dataloaders): the players of keys
with the same arguments share one statement, so a leaderboard's rows cost one query per field."""

from datetime import date
from typing import Any

from apps.user_profile.selectors.calendar import Calendar, calendar_of
from apps.user_profile.selectors.streaks import FormEntry, Streaks, form_of, streaks_of

# (owner id, first day, last day, time zone, event types hidden from the viewer)
CalendarKey = tuple[int, date, date, str, frozenset[str]]
# (owner id, time zone, event types hidden from the viewer)
StreaksKey = tuple[int, str, frozenset[str]]
# (owner id, how many results)
FormKey = tuple[int, int]


def calendars(owner_ids: list[int], arguments: tuple[Any, ...]) -> dict[int, Calendar]:
    start, end, time_zone, hidden = arguments
    return calendar_of(owner_ids=owner_ids, start=start, end=end, time_zone=time_zone, hidden_event_types=hidden)


def streaks(owner_ids: list[int], arguments: tuple[Any, ...]) -> dict[int, Streaks]:
    time_zone, hidden = arguments
    return streaks_of(owner_ids=owner_ids, time_zone=time_zone, hidden_event_types=hidden)


def forms(owner_ids: list[int], arguments: tuple[Any, ...]) -> dict[int, list[FormEntry]]:
    (last,) = arguments
    return form_of(owner_ids=owner_ids, last=last)
