"""A player's activity feed, newest first, paged by keyset on (timestamp, id)."""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q

from apps.privacy import policy
from apps.privacy.policy import Settings
from apps.privacy.selectors import privacy_settings_of
from apps.user_profile.models import ActivityEventType, UserActivity
from apps.user_profile.models.activity import UserActivityQuerySet
from apps.user_profile.selectors.cursors import ActivityCursor
from apps.user_profile.selectors.inputs import InvalidDateTimeError, database_datetime
from apps.user_profile.selectors.rows import model_columns, models_of, prepared_cursor
from config.db_router import read_connection

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
    settings: Settings | None = None,
) -> UserActivityQuerySet:
    """The events of `owner_id` that `viewer_id` may see (the privacy policy decides, with the owner's
    `settings` when the caller has them), with the optional filters, unordered."""
    events = UserActivity.objects.filter(user_id=owner_id).visible_to(
        viewer_id=viewer_id, owner_id=owner_id, viewer_is_staff=viewer_is_staff, settings=settings
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
    settings: Settings | None = None,
) -> ActivityPage:
    """One page of the feed in one query (limit + 1 rows tell whether more exist).

    `first`/`after` page towards older events, `last`/`before` towards newer ones (Relay semantics over a
    newest-first list). Cursors are positions, not offsets: events recorded between two requests never
    shift a page, so a client paging on never sees an item twice or misses one. `since` is inclusive,
    `until` exclusive. Only the events the privacy policy lets the viewer see (the owner's `settings` are
    looked up when not given and the viewer is neither the owner nor staff).
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
        settings=settings,
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
    hidden_event_types: frozenset[str] | None = None,
) -> dict[int, ActivityPage]:
    """A forward feed page (`first`, `after`) of each of many players, in one query.

    A LATERAL join walks each player's feed index from the cursor, the fastest plan there is for a page,
    so the API serves every forward page through it: one player's feed, or the latest events of each
    player on a leaderboard. Same rules as activity_page. `hidden_event_types` is what the privacy policy
    hides of every one of these owners from this viewer; without it the policy is asked here.
    """
    validate_page_size(name="first", value=first)
    types = feed_event_types(event_types)
    since, until = feed_window(since, until)
    if hidden_event_types is None:
        # One query per distinct rule (owners sharing settings share a query): at most a few for any board.
        owners_by_hidden = _owners_by_hidden_event_types(
            owner_ids=owner_ids, viewer=policy.Viewer(id=viewer_id, is_staff=viewer_is_staff)
        )
        pages: dict[int, ActivityPage] = {}
        for hidden, owners in owners_by_hidden.items():
            pages.update(
                activity_forward_pages(
                    owner_ids=owners,
                    viewer_id=viewer_id,
                    viewer_is_staff=viewer_is_staff,
                    first=first,
                    after=after,
                    event_types=types,
                    since=since,
                    until=until,
                    hidden_event_types=hidden,
                )
            )
        return {owner_id: pages[owner_id] for owner_id in owner_ids}
    if len(hidden_event_types) >= len(ActivityEventType):  # a private feed: nothing to query
        return {
            owner_id: ActivityPage(items=[], has_next_page=False, has_previous_page=False) for owner_id in owner_ids
        }
    size = DEFAULT_PAGE_SIZE if first is None else first
    table = UserActivity._meta.db_table
    conditions = ["a.user_id = owner.id"]
    params: list[Any] = [list(owner_ids)]
    if hidden_event_types:
        conditions.append("a.event_type <> ALL(%s)")
        params.append(sorted(hidden_event_types))
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
        f"SELECT {model_columns(UserActivity, alias='a')} FROM unnest(%s::bigint[]) AS owner(id) CROSS JOIN LATERAL ("
        f"SELECT * FROM {table} a WHERE {' AND '.join(conditions)} "
        "ORDER BY a.timestamp DESC, a.id DESC LIMIT %s) a"
    )
    rows: dict[int, list[UserActivity]] = {owner_id: [] for owner_id in owner_ids}
    # Prepared: planning this walk over the log's 16 partitions costs more than running it for a page.
    with prepared_cursor(read_connection()) as cursor:
        cursor.execute(sql, params)
        for event in models_of(UserActivity, cursor.fetchall()):
            rows[event.user_id].append(event)
    return {
        owner_id: ActivityPage(
            items=events[:size], has_next_page=len(events) > size, has_previous_page=after is not None
        )
        for owner_id, events in rows.items()
    }


def _owners_by_hidden_event_types(
    *, owner_ids: list[int], viewer: policy.Viewer, settings: Mapping[int, Settings] | None = None
) -> dict[frozenset[str], list[int]]:
    """The owners grouped by what the policy hides of them from `viewer` (no lookup for owner and staff)."""
    if viewer.is_staff:
        return {frozenset(): list(owner_ids)}
    others = [owner_id for owner_id in owner_ids if owner_id != viewer.id]
    found = settings if settings is not None else (privacy_settings_of(user_ids=others) if others else {})
    groups: dict[frozenset[str], list[int]] = defaultdict(list)
    for owner_id in owner_ids:
        owner_settings = found.get(owner_id, policy.DEFAULT_SETTINGS)
        groups[policy.hidden_event_types(viewer=viewer, owner_id=owner_id, settings=owner_settings)].append(owner_id)
    return groups


ActivityTimes = tuple[datetime | None, datetime | None]


def activity_times_of(*, owner_ids: Iterable[int], excluded_event_types: Iterable[str]) -> dict[int, ActivityTimes]:
    """Each player's (first, last) event time without the excluded types, in one query for them all.

    What the stored first/last_activity_at would be if those events had never happened: what a viewer who
    may not see them is shown.
    """
    owners = list(dict.fromkeys(owner_ids))
    excluded = sorted(excluded_event_types)
    table = UserActivity._meta.db_table
    # Each end is one walk of the player's feed index from that end to the first event not excluded (a few
    # rows), where min()/max() over the filtered events would read the player's whole history.
    edge = (
        f"(SELECT a.timestamp FROM {table} a WHERE a.user_id = owner.id AND a.event_type <> ALL(%s) "
        "ORDER BY a.timestamp {direction}, a.id {direction} LIMIT 1)"
    )
    sql = (
        f"SELECT owner.id, {edge.format(direction='ASC')}, {edge.format(direction='DESC')} "
        "FROM unnest(%s::bigint[]) AS owner(id)"
    )
    with prepared_cursor(read_connection()) as cursor:
        cursor.execute(sql, [excluded, excluded, owners])
        found = {owner_id: (first, last) for owner_id, first, last in cursor.fetchall() if first is not None}
    return {owner_id: found.get(owner_id, (None, None)) for owner_id in owners}
