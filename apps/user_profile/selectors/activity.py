"""A player's activity feed, newest first, paged by keyset on (timestamp, id)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from apps.user_profile.models import ActivityEventType, UserActivity
from apps.user_profile.models.activity import ECONOMY_EVENT_TYPES, UserActivityQuerySet
from apps.user_profile.selectors.cursors import ActivityCursor
from apps.user_profile.selectors.inputs import InvalidDateTimeError, database_datetime

MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


class InvalidPageArgumentsError(ValueError):
    """first/last/after/before that do not describe a page."""


@dataclass(frozen=True, slots=True)
class ActivityPage:
    items: list[UserActivity]
    has_next_page: bool
    has_previous_page: bool

    def cursor_of(self, item: UserActivity) -> str:
        return ActivityCursor(timestamp=item.timestamp, id=item.pk).encode()


def validate_page_size(*, name: str, value: int | None, maximum: int = MAX_PAGE_SIZE) -> None:
    if value is not None and not 0 <= value <= maximum:
        raise InvalidPageArgumentsError(f"`{name}` must be between 0 and {maximum}, got {value}.")


def feed_window(since: datetime | None, until: datetime | None) -> tuple[datetime | None, datetime | None]:
    """`since` and `until` in UTC, checked for the database; InvalidPageArgumentsError when reversed.

    The window is half-open, [since, until): equal bounds are a valid, empty window (a client narrowing
    a range down to nothing gets no events, not an error), but `since` after `until` is a mistake.
    """
    try:
        since = database_datetime(since) if since is not None else None
    except InvalidDateTimeError as error:
        raise InvalidPageArgumentsError(f"Invalid `since`: {error}") from error
    try:
        until = database_datetime(until) if until is not None else None
    except InvalidDateTimeError as error:
        raise InvalidPageArgumentsError(f"Invalid `until`: {error}") from error
    if since is not None and until is not None and since > until:
        raise InvalidPageArgumentsError(
            f"`since` must be before `until` (or equal to it, an empty window): got since {since.isoformat()} "
            f"and until {until.isoformat()}."
        )
    return since, until


MAX_EVENT_TYPES = len(ActivityEventType)


def feed_event_types(event_types: Iterable[str] | None) -> tuple[str, ...] | None:
    """The event types to keep, each once and sorted; InvalidPageArgumentsError for an unknown type.

    A list longer than there are event types can only repeat itself: it is refused before any work, so a
    client cannot make the API fold 100,000 copies of one type.
    """
    if event_types is None:
        return None
    listed = event_types if isinstance(event_types, list | tuple) else list(event_types)
    if len(listed) > MAX_EVENT_TYPES:
        raise InvalidPageArgumentsError(
            f"`eventTypes` takes at most {MAX_EVENT_TYPES} items (one per event type), got {len(listed)}."
        )
    try:
        return tuple(sorted({ActivityEventType(value).value for value in listed}))
    except ValueError as error:
        raise InvalidPageArgumentsError(f"Unknown event type in `eventTypes`: {error}") from error


def older_than(cursor: ActivityCursor) -> Q:
    # The redundant `timestamp <= t` bound lets PostgreSQL walk the feed index as a range.
    return Q(timestamp__lte=cursor.timestamp) & (Q(timestamp__lt=cursor.timestamp) | Q(id__lt=cursor.id))


def _newer_than(cursor: ActivityCursor) -> Q:
    return Q(timestamp__gte=cursor.timestamp) & (Q(timestamp__gt=cursor.timestamp) | Q(id__gt=cursor.id))


def activity_feed_queryset(
    *,
    owner_id: int,
    viewer_id: int | None,
    viewer_is_staff: bool,
    event_types: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> UserActivityQuerySet:
    """The events of `owner_id` that `viewer_id` may see, with the optional filters, unordered."""
    events = UserActivity.objects.filter(user_id=owner_id).visible_to(
        viewer_id=viewer_id, owner_id=owner_id, viewer_is_staff=viewer_is_staff
    )
    types = feed_event_types(event_types)
    since, until = feed_window(since, until)
    if types is not None:
        events = events.filter(event_type__in=types)
    if since is not None:
        events = events.filter(timestamp__gte=since)
    if until is not None:
        events = events.filter(timestamp__lt=until)
    return events


def activity_page(
    *,
    owner_id: int,
    viewer_id: int | None,
    viewer_is_staff: bool,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    event_types: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ActivityPage:
    """One page of the feed in one query (limit + 1 rows tell whether more exist).

    `first`/`after` page towards older events, `last`/`before` towards newer ones (Relay semantics over a
    newest-first list). Cursors are positions, not offsets: events recorded between two requests never
    shift a page, so a client paging on never sees an item twice or misses one. `since` is inclusive,
    `until` exclusive. Economy events are left out unless the viewer is the owner or staff.
    """
    validate_page_size(name="first", value=first)
    validate_page_size(name="last", value=last)
    if first is not None and last is not None:
        raise InvalidPageArgumentsError("Pass either `first` or `last`, not both.")
    after_cursor = ActivityCursor.decode(after) if after is not None else None
    before_cursor = ActivityCursor.decode(before) if before is not None else None

    events = activity_feed_queryset(
        owner_id=owner_id,
        viewer_id=viewer_id,
        viewer_is_staff=viewer_is_staff,
        event_types=event_types,
        since=since,
        until=until,
    )
    if after_cursor is not None:
        events = events.filter(older_than(after_cursor))
    if before_cursor is not None:
        events = events.filter(_newer_than(before_cursor))

    if last is not None:
        rows = list(events.order_by("timestamp", "id")[: last + 1])
        has_more = len(rows) > last
        items = rows[:last]
        items.reverse()
        # Relay: with `last`, hasNextPage only reports what is known cheaply (a `before` cursor means more).
        return ActivityPage(items=items, has_next_page=before_cursor is not None, has_previous_page=has_more)

    size = DEFAULT_PAGE_SIZE if first is None else first
    rows = list(events.order_by("-timestamp", "-id")[: size + 1])
    return ActivityPage(
        items=rows[:size],
        has_next_page=len(rows) > size,
        has_previous_page=after_cursor is not None,
    )


def activity_forward_pages(
    *,
    owner_ids: list[int],
    viewer_id: int | None,
    viewer_is_staff: bool,
    first: int | None = None,
    after: ActivityCursor | None = None,
    event_types: Iterable[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[int, ActivityPage]:
    """A forward feed page (`first`, `after`) of each of many players, in one query.

    A LATERAL join walks each player's feed index from the cursor, the fastest plan there is for a page,
    so the API serves every forward page through it: one player's feed, or the latest events of each
    player on a leaderboard. Same rules as activity_page.
    """
    validate_page_size(name="first", value=first)
    types = feed_event_types(event_types)
    since, until = feed_window(since, until)
    size = DEFAULT_PAGE_SIZE if first is None else first
    table = UserActivity._meta.db_table
    conditions = ["a.user_id = owner.id"]
    params: list[object] = [list(owner_ids)]
    if not viewer_is_staff:
        conditions.append("(a.event_type <> ALL(%s) OR a.user_id = %s)")
        params += [sorted(ECONOMY_EVENT_TYPES), viewer_id if viewer_id is not None else 0]
    if types is not None:
        conditions.append("a.event_type = ANY(%s)")
        params.append(list(types))
    if since is not None:
        conditions.append("a.timestamp >= %s")
        params.append(since)
    if until is not None:
        conditions.append("a.timestamp < %s")
        params.append(until)
    if after is not None:
        # A row comparison is an index range condition on (timestamp, id) for PostgreSQL.
        conditions.append("(a.timestamp, a.id) < (%s, %s)")
        params += [after.timestamp, after.id]
    params.append(size + 1)
    sql = (
        f"SELECT a.* FROM unnest(%s::bigint[]) AS owner(id) CROSS JOIN LATERAL ("
        f"SELECT * FROM {table} a WHERE {' AND '.join(conditions)} "
        "ORDER BY a.timestamp DESC, a.id DESC LIMIT %s) a"
    )
    rows: dict[int, list[UserActivity]] = {owner_id: [] for owner_id in owner_ids}
    for event in UserActivity.objects.raw(sql, params):
        rows[event.user_id].append(event)
    return {
        owner_id: ActivityPage(
            items=events[:size], has_next_page=len(events) > size, has_previous_page=after is not None
        )
        for owner_id, events in rows.items()
    }
