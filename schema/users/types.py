from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from django.contrib.auth.models import User as UserModel
from strawberry.utils.str_converters import to_camel_case

from apps.privacy import policy
from apps.privacy.policy import Settings
from apps.user_profile.event_types import COUNTER_FIELDS
from apps.user_profile.models import UserProfileStats
from apps.user_profile.selectors import (
    ActivityCursor,
    InvalidCursorError,
    InvalidPageArgumentsError,
    activity_page,
    feed_event_types,
    feed_window,
    validate_page_size,
)
from apps.user_profile.selectors.activity import DEFAULT_PAGE_SIZE
from apps.user_profile.selectors.streaks import DEFAULT_FORM, MAX_FORM
from schema.activity.types import Activity, ActivityConnection, ActivityEdge, ActivityEventType, ActivityNode
from schema.analytics import fields as analytics_fields
from schema.calendar import fields as calendar_fields
from schema.calendar.types import CALENDAR_WEIGHT, STREAKS_WEIGHT, ActivityCalendar, FormEntry, Streaks
from schema.context import Info
from schema.db import run_sync
from schema.directives import Cost, ListSize, connection_size
from schema.economy.types import EconomySummary, economy_summary_for
from schema.errors import BadInputError, PermissionDeniedError, UnauthenticatedError
from schema.model_types import column, model_type
from schema.node import Node, to_global_id
from schema.pagination import connection_of, empty_connection
from schema.privacy.access import settings_at_hand, settings_for_visibility
from schema.privacy.extensions import PolicyGuard
from schema.privacy.types import PrivacySettings, privacy_settings_type
from schema.scalars import BigInt
from schema.social.groups import (
    DEFAULT_TIME_ZONE,
    ActivityGroupConnection,
    activity_groups_of,
)
from schema.tournaments.history import TournamentHistoryConnection, TournamentHistoryEdge, TournamentHistoryEntry


@model_type(
    UserProfileStats,
    # Every stored counter, named and typed by the model (event_types.COUNTER_FIELDS): a new counter needs no
    # change here. The coin totals and activity times below override the model's type.
    fields=list(COUNTER_FIELDS),
    description="A player's counters (kept in the same transaction as each event) and ratios.",
)
class UserStats:
    total_earned: BigInt | None = column(
        description="DC coins earned, all time. Null unless the player made their economy public."
    )
    total_spent: BigInt | None = column(
        description="DC coins spent, all time. Null unless the player made their economy public."
    )
    first_activity_at: datetime | None = column(
        description="Over the events the viewer may see; null when the player keeps their activity private."
    )
    last_activity_at: datetime | None = column(
        description="Over the events the viewer may see (a private coin event does not move it); null when the "
        "player keeps their activity private."
    )
    # The model's derived figures (properties), plain attributes too.
    win_rate: float = column(description="Matches won / played, 0 with none played.")
    tournament_win_rate: float = column(description="Tournaments won / completed.")
    net_earnings: BigInt | None = column(description="Null unless the player made their economy public.")
    podium_finishes: int = column(description="Tournaments won, runner-up or top 4.")
    active_teams: int = column(description="Teams joined and not left.")
    # Decimals on the model, serialized as Float.
    win_rate_percent: float = column(description="The win rate in percent, one decimal.")
    tournament_win_rate_percent: float = column(description="The tournament win rate in percent, one decimal.")

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        # The row itself, or the row as one viewer may see it.
        return isinstance(obj, UserProfileStats | VisibleStats)


_TIME_FIELDS = ("first_activity_at", "last_activity_at")


class VisibleStats:
    """A player's stats as one viewer may see them: what the policy hides reads None, and the activity
    times are computed over the events the viewer may see (one batched query for all rows, when asked)."""

    __slots__ = ("_excluded", "_hidden", "_info", "_stats")

    def __init__(self, stats: UserProfileStats, *, hidden: frozenset[str], excluded: frozenset[str], info: Info):
        self._stats = stats
        self._hidden = hidden
        self._excluded = excluded
        self._info = info

    def __getattr__(self, name: str) -> Any:
        if name in self._hidden:
            return None
        if name in _TIME_FIELDS and self._excluded:
            return self._time(name)
        return getattr(self._stats, name)

    async def _time(self, name: str) -> datetime | None:
        key = (self._stats.user_id, self._excluded)
        first, last = await self._info.context.loaders.activity_times.load(key)
        return first if name == "first_activity_at" else last


def _visible_stats(stats: UserProfileStats, settings: Settings, info: Info) -> UserProfileStats | VisibleStats:
    owner_id = stats.user_id
    viewer = info.context.viewer
    visible = policy.visible_fields("UserStats", viewer=viewer, owner_id=owner_id, settings=settings)
    hidden = _STATS_FIELDS.keys() - visible  # a field the policy does not list is hidden
    times = policy.activity_time_rule(viewer=viewer, owner_id=owner_id, settings=settings)
    if not hidden and not times.excluded_event_types:
        return stats
    return VisibleStats(
        stats,
        hidden=frozenset(_STATS_FIELDS[name] for name in hidden),
        excluded=frozenset() if times.hidden else times.excluded_event_types,
        info=info,
    )


async def _stats_of(owner_id: int, cached: UserProfileStats | None, info: Info) -> UserProfileStats | VisibleStats:
    stats = cached if cached is not None else await info.context.loaders.stats.load(owner_id)
    return _visible_stats(stats, await settings_for_visibility(info, owner_id), info)


def _economy_denied(info: Info) -> None:
    # Anonymous: signing in may help (UNAUTHENTICATED); another player: it will not (FORBIDDEN).
    denied = UnauthenticatedError if info.context.user is None else PermissionDeniedError
    raise denied("Only the player and staff may see a player's economy summary.")


# UserStats' fields: GraphQL name (the policy's) to attribute name (the row's).
_STATS_FIELDS: dict[str, str] = {
    field.graphql_name or to_camel_case(field.python_name): field.python_name
    for field in UserStats.__strawberry_definition__.fields  # type: ignore[attr-defined]
}


def _bad_input(error: Exception) -> BadInputError:
    return BadInputError(str(error))


@strawberry.type(description="A player.")
class User(Node):
    username: str

    @strawberry.field  # type: ignore[misc]
    def id(root: UserModel) -> strawberry.ID:  # type: ignore[override]
        return to_global_id("User", root.pk)

    @strawberry.field(directives=[Cost(weight="1")])
    def stats(root: UserModel, info: Info) -> UserStats:
        # A leaderboard loads each player from their stats row, which leaves it cached on the user: use it
        # without a loader round. The player and staff get the row itself; others what the policy lets through.
        cached = root._state.fields_cache.get("stats")
        if cached is not None:
            # Settings already at hand (the player and staff need none; a board primes them): no await, so a
            # page of players resolves its stats without a coroutine per row.
            settings = settings_at_hand(info, root.pk)
            if settings is not None:
                return _visible_stats(cached, settings, info)  # type: ignore[return-value]
        return _stats_of(root.pk, cached, info)  # type: ignore[return-value]

    @strawberry.field(
        description="Newest first. `first`/`after` page to older events, `last`/`before` to newer ones (at "
        "most 100). `since` is inclusive, `until` exclusive. Economy events only for the player and staff.",
        directives=[connection_size(assumed_size=DEFAULT_PAGE_SIZE, slicing_arguments=("first", "last"))],
        extensions=[PolicyGuard("User.activities", denied=lambda info: empty_connection(ActivityConnection))],
    )
    async def activities(
        root: UserModel,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
        event_types: list[ActivityEventType] | None = None,  # type: ignore[valid-type]
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> ActivityConnection:
        context = info.context
        settings = await settings_for_visibility(info, root.pk)  # the guard loaded them: no second query
        try:
            # Checked before any work: at most one item per event type, a window the right way round.
            types = feed_event_types(t.value for t in event_types) if event_types is not None else None  # type: ignore[attr-defined]
            since, until = feed_window(since, until)
            if before is None and last is None:
                # A forward page: batched across all the players of this request (one query for a leaderboard).
                validate_page_size(name="first", value=first)
                cursor = ActivityCursor.decode(after) if after is not None else None
                hidden = policy.hidden_event_types(viewer=context.viewer, owner_id=root.pk, settings=settings)
                key = (root.pk, first, cursor, types, since, until, hidden)
                page = await context.loaders.feed_page.load(key)
            else:
                page = await run_sync(
                    activity_page,
                    owner_id=root.pk,
                    viewer_id=context.viewer_id,
                    viewer_is_staff=context.viewer_is_staff,
                    first=first,
                    after=after,
                    last=last,
                    before=before,
                    event_types=types,
                    since=since,
                    until=until,
                    settings=settings,
                )
        except (InvalidCursorError, InvalidPageArgumentsError, ValueError) as error:
            raise _bad_input(error) from error
        viewer = context.viewer
        edges = [
            ActivityEdge(cursor=page.cursor_of(item), node=ActivityNode(item, viewer=viewer, settings=settings))  # type: ignore[arg-type]
            for item in page.items
        ]
        return connection_of(ActivityConnection, page, edges)

    @strawberry.field(
        description="One entry per tournament registered for, newest first (at most 100).",
        directives=[connection_size(assumed_size=DEFAULT_PAGE_SIZE)],
        extensions=[
            PolicyGuard("User.tournamentHistory", denied=lambda info: empty_connection(TournamentHistoryConnection))
        ],
    )
    async def tournament_history(
        root: UserModel, info: Info, first: int | None = None, after: str | None = None
    ) -> TournamentHistoryConnection:
        loaders = info.context.loaders
        try:
            # Arguments are checked here, so one bad field never fails the batch of the other players' pages.
            validate_page_size(name="first", value=first)
            cursor = ActivityCursor.decode(after) if after is not None else None
        except (InvalidCursorError, InvalidPageArgumentsError) as error:
            raise _bad_input(error) from error
        # Batched across all the players of this request (one query for a leaderboard's histories).
        page = await loaders.tournament_history_page.load((root.pk, first, cursor))
        loaders.prime(loaders.tournament, (e.tournament for e in page.items), lambda t: t.pk)
        edges = [TournamentHistoryEdge(cursor=item.cursor, node=item) for item in page.items]  # type: ignore[arg-type]
        return connection_of(TournamentHistoryConnection, page, edges)

    @strawberry.field(
        description="The player's and staff's eyes only, unless the player made their economy public: others "
        "get null and an error.",
        extensions=[PolicyGuard("User.economySummary", denied=_economy_denied)],
    )
    async def economy_summary(root: UserModel, info: Info) -> EconomySummary | None:
        return await economy_summary_for(owner_id=root.pk, info=info)

    @strawberry.field(
        description="What the player shows others; null for anyone but the player and staff.",
        extensions=[PolicyGuard("User.privacySettings", denied=lambda info: None)],
    )
    async def privacy_settings(root: UserModel, info: Info) -> PrivacySettings | None:
        # The player's own or staff: the real settings, not the visibility shortcut.
        return privacy_settings_type(await info.context.loaders.privacy_settings.load(root.pk))

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, UserModel)

    # --- Player analytics (schema/analytics/fields.py): segmented stats, breakdowns, rank ---
    segment_stats = analytics_fields.segment_stats
    stats_breakdown = analytics_fields.stats_breakdown
    rank = analytics_fields.rank

    # --- Social: the grouped feed (schema/social/groups.py) ---
    @strawberry.field(
        description="The feed with runs of related events folded (same type and tournament; coin and other "
        "events without a tournament per local day in `timeZone`, an IANA name). Newest first, `first`/`after` "
        "(at most 100 groups). Coin groups only as the privacy policy allows.",
        directives=[connection_size(assumed_size=DEFAULT_PAGE_SIZE)],
        extensions=[PolicyGuard("User.activityGroups", denied=lambda info: empty_connection(ActivityGroupConnection))],
    )
    async def activity_groups(
        root: UserModel,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        time_zone: str = DEFAULT_TIME_ZONE,
    ) -> ActivityGroupConnection:
        return await activity_groups_of(root, info, first=first, after=after, time_zone=time_zone)

    # --- Activity calendar, streaks and recent form (schema/calendar, docs/analytics-calendar.md) ---------------
    # Null for others when the player keeps their activity private (apps/privacy/policy.py); batched per request.
    @strawberry.field(
        description="Per local day in `timeZone` (an IANA name), the events by kind, for `from`..`to` (both "
        "included, at most 366 days; by default the 365 days ending today there).",
        directives=[Cost(weight=str(CALENDAR_WEIGHT))],
        extensions=[PolicyGuard("User.activityCalendar", denied=lambda info: None)],
    )
    async def activity_calendar(
        root: UserModel,
        info: Info,
        from_: Annotated[date | None, strawberry.argument(name="from")] = None,
        to: date | None = None,
        time_zone: str = "UTC",
    ) -> ActivityCalendar | None:
        return await calendar_fields.activity_calendar(
            owner_id=root.pk, info=info, start=from_, end=to, time_zone=time_zone
        )

    @strawberry.field(
        description="Match-win streaks (in the order matches completed) and daily activity streaks (local days "
        "in `timeZone`, an IANA name).",
        directives=[Cost(weight=str(STREAKS_WEIGHT))],
        extensions=[PolicyGuard("User.streaks", denied=lambda info: None)],
    )
    async def streaks(root: UserModel, info: Info, time_zone: str = "UTC") -> Streaks | None:
        return await calendar_fields.streaks(owner_id=root.pk, info=info, time_zone=time_zone)

    @strawberry.field(
        description=f"The latest `last` match results (at most {MAX_FORM}), newest first.",
        directives=[ListSize(assumed_size=MAX_FORM, slicing_arguments=["last"], require_one_slicing_argument=False)],
        extensions=[PolicyGuard("User.form", denied=lambda info: None)],
    )
    async def form(root: UserModel, info: Info, last: int = DEFAULT_FORM) -> list[FormEntry] | None:
        return await calendar_fields.form(owner_id=root.pk, info=info, last=last)


__all__ = ["Activity", "TournamentHistoryEntry", "User", "UserStats"]
