"""The one visibility policy: who may see each piece of player data, wherever it is shown.

Every GraphQL field (FIELDS, checked against the introspected schema by tests/apps/privacy), every event
type (EVENT_AUDIENCES), every key of an event's metadata (METADATA_KEYS), every leaderboard metric (METRICS)
and every page (PAGES) has an Audience here. The API's types, the pages and the selectors ask this module;
none of them decides on its own. docs/privacy.md says what each player setting hides.

Pure: no queries. Callers fetch the owner's Settings (apps.privacy.selectors, or the request's loaders).
"""

import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from strawberry.utils.str_converters import to_camel_case

from apps.user_profile.event_types import COUNTER_FOR_EVENT
from apps.user_profile.models.activity import ECONOMY_EVENT_TYPES
from apps.user_profile.models.activity import ActivityEventType as E


class Audience(enum.Enum):
    EVERYONE = "everyone"
    OWNER_AND_STAFF = "the player and staff"
    STAFF = "staff only"
    VIEWER = "the signed-in viewer, about themself"
    ECONOMY = "the player and staff; everyone when the player made their economy public"
    ACTIVITY = "the player and staff; everyone unless the player made their activity private"


@dataclass(frozen=True, slots=True)
class Settings:
    economy_public: bool = False
    activity_public: bool = True


DEFAULT_SETTINGS = Settings()
ALL_PUBLIC = Settings(economy_public=True, activity_public=True)


@dataclass(frozen=True, slots=True)
class Viewer:
    id: int | None  # None when anonymous
    is_staff: bool = False

    @classmethod
    def of(cls, user: Any) -> "Viewer":
        """The viewer of a Django request's user, or of None / AnonymousUser."""
        if user is None or not user.is_authenticated:
            return ANONYMOUS
        return cls(id=user.pk, is_staff=user.is_staff)


ANONYMOUS = Viewer(id=None)


def may_see(audience: Audience, *, viewer: Viewer, owner_id: int | None, settings: Settings) -> bool:
    """Whether `viewer` may see data of `owner_id` (None: not a player's data) that has this audience."""
    if audience is Audience.EVERYONE:
        return True
    is_owner = viewer.id is not None and viewer.id == owner_id
    if audience is Audience.VIEWER:
        return is_owner  # staff change nobody else's settings
    if viewer.is_staff:
        return True
    if audience is Audience.STAFF:
        return False
    if is_owner:
        return True
    if audience is Audience.ECONOMY:
        return settings.economy_public
    if audience is Audience.ACTIVITY:
        return settings.activity_public
    return False  # OWNER_AND_STAFF, and anything added later until it is given a rule


def sees_everything(*, viewer: Viewer, owner_id: int) -> bool:
    """The player and staff see all of the player's data, whatever the settings: no lookup needed."""
    return viewer.is_staff or (viewer.id is not None and viewer.id == owner_id)


_A = Audience


# Each stored counter counts the events of one type (event_types.COUNTER_FOR_EVENT). Counters stay public
# whatever the activity setting; a coin counter follows the economy setting, as its events do. Derived from
# the event types' facts, so a new counter is classified with its event type.
COUNTER_AUDIENCES: dict[str, Audience] = {
    f"UserStats.{to_camel_case(counter)}": _A.ECONOMY if event_type in ECONOMY_EVENT_TYPES else _A.EVERYONE
    for event_type, counter in COUNTER_FOR_EVENT.items()
}

# Every field of the GraphQL schema, "Type.field". Fields of connections and edges show what their parent
# field already let through; a player's fields decide with the player's settings.
FIELDS: dict[str, Audience] = {
    # Entry points
    "Query.me": _A.VIEWER,
    "Query.user": _A.EVERYONE,
    "Query.node": _A.EVERYONE,  # each object type decides below (Activity: EVENT_AUDIENCES)
    "Query.leaderboard": _A.EVERYONE,  # rows: METRICS
    "Query.rateLimit": _A.VIEWER,
    "Mutation.reconcileUserStats": _A.STAFF,
    "Mutation.updatePrivacySettings": _A.VIEWER,
    "Subscription.activityAdded": _A.EVERYONE,  # each event: EVENT_AUDIENCES, as User.activities
    "Subscription.myActivity": _A.VIEWER,
    "ActivityStreamEdge.cursor": _A.EVERYONE,
    "ActivityStreamEdge.node": _A.EVERYONE,
    "Node.id": _A.EVERYONE,
    "PageInfo.hasNextPage": _A.EVERYONE,
    "PageInfo.hasPreviousPage": _A.EVERYONE,
    "PageInfo.startCursor": _A.EVERYONE,
    "PageInfo.endCursor": _A.EVERYONE,
    # A player
    "User.id": _A.EVERYONE,
    "User.username": _A.EVERYONE,
    "User.stats": _A.EVERYONE,
    "User.activities": _A.ACTIVITY,  # and each event: EVENT_AUDIENCES
    "User.tournamentHistory": _A.ACTIVITY,
    "User.economySummary": _A.ECONOMY,
    "User.privacySettings": _A.OWNER_AND_STAFF,
    "PrivacySettings.economyPublic": _A.OWNER_AND_STAFF,
    "PrivacySettings.activityPublic": _A.OWNER_AND_STAFF,
    # The stored counters (COUNTER_AUDIENCES, below) and what is derived from them.
    **COUNTER_AUDIENCES,
    "UserStats.netEarnings": _A.ECONOMY,  # derived from the coin counters
    # Derived from the events: computed over the events the viewer may see (activity_time_rule).
    "UserStats.firstActivityAt": _A.ACTIVITY,
    "UserStats.lastActivityAt": _A.ACTIVITY,
    "UserStats.winRate": _A.EVERYONE,
    "UserStats.tournamentWinRate": _A.EVERYONE,
    "UserStats.podiumFinishes": _A.EVERYONE,
    "UserStats.activeTeams": _A.EVERYONE,
    "UserStats.winRatePercent": _A.EVERYONE,
    "UserStats.tournamentWinRatePercent": _A.EVERYONE,
    # The activity feed (an event is shown only when the viewer may see its type)
    "ActivityConnection.edges": _A.EVERYONE,
    "ActivityConnection.pageInfo": _A.EVERYONE,
    "ActivityEdge.cursor": _A.EVERYONE,
    "ActivityEdge.node": _A.EVERYONE,
    "Activity.id": _A.EVERYONE,
    "Activity.eventType": _A.EVERYONE,
    "Activity.timestamp": _A.EVERYONE,
    "Activity.metadata": _A.EVERYONE,  # key by key: METADATA_KEYS
    "Activity.details": _A.EVERYONE,  # field by field below
    "Activity.amount": _A.ECONOMY,
    "Activity.tournament": _A.EVERYONE,
    "Activity.match": _A.EVERYONE,
    "TournamentDetails.tournament": _A.EVERYONE,
    "TournamentDetails.tournamentName": _A.EVERYONE,
    "TournamentDetails.game": _A.EVERYONE,
    "TournamentDetails.placement": _A.EVERYONE,
    "TournamentDetails.prize": _A.ECONOMY,
    "MatchDetails.match": _A.EVERYONE,
    "MatchDetails.tournament": _A.EVERYONE,
    "MatchDetails.tournamentName": _A.EVERYONE,
    "MatchDetails.round": _A.EVERYONE,
    "MatchDetails.opponent": _A.EVERYONE,
    "MatchDetails.isForfeit": _A.EVERYONE,
    "CoinsDetails.amount": _A.ECONOMY,
    "CoinsDetails.reason": _A.ECONOMY,
    "CoinsDetails.reference": _A.OWNER_AND_STAFF,
    "AchievementDetails.code": _A.EVERYONE,
    "AchievementDetails.name": _A.EVERYONE,
    "TeamDetails.teamName": _A.EVERYONE,
    # Tournament history
    "TournamentHistoryConnection.edges": _A.EVERYONE,
    "TournamentHistoryConnection.pageInfo": _A.EVERYONE,
    "TournamentHistoryEdge.cursor": _A.EVERYONE,
    "TournamentHistoryEdge.node": _A.EVERYONE,
    "TournamentHistoryEntry.registeredAt": _A.EVERYONE,
    "TournamentHistoryEntry.checkedIn": _A.EVERYONE,
    "TournamentHistoryEntry.completed": _A.EVERYONE,
    "TournamentHistoryEntry.placement": _A.EVERYONE,
    "TournamentHistoryEntry.result": _A.EVERYONE,
    "TournamentHistoryEntry.matchesPlayed": _A.EVERYONE,
    "TournamentHistoryEntry.matchesWon": _A.EVERYONE,
    "TournamentHistoryEntry.matchesLost": _A.EVERYONE,
    "TournamentHistoryEntry.tournament": _A.EVERYONE,
    # Economy (the summary as a whole follows User.economySummary)
    "EconomySummary.totalEarned": _A.ECONOMY,
    "EconomySummary.totalSpent": _A.ECONOMY,
    "EconomySummary.netEarnings": _A.ECONOMY,
    "EconomySummary.recentTransactions": _A.ECONOMY,
    "Transaction.amount": _A.ECONOMY,
    "Transaction.reason": _A.ECONOMY,
    "Transaction.reference": _A.OWNER_AND_STAFF,
    "Transaction.createdAt": _A.ECONOMY,
    # Leaderboards (which rows: METRICS)
    "LeaderboardConnection.edges": _A.EVERYONE,
    "LeaderboardConnection.pageInfo": _A.EVERYONE,
    "LeaderboardEdge.cursor": _A.EVERYONE,
    "LeaderboardEdge.rank": _A.EVERYONE,
    "LeaderboardEdge.node": _A.EVERYONE,
    "LeaderboardEdge.entry": _A.EVERYONE,
    "LeaderboardEntry.rank": _A.EVERYONE,
    "LeaderboardEntry.value": _A.EVERYONE,
    "LeaderboardEntry.integerValue": _A.EVERYONE,
    "LeaderboardEntry.user": _A.EVERYONE,
    # The platform's own objects (no player data)
    "Tournament.id": _A.EVERYONE,
    "Tournament.name": _A.EVERYONE,
    "Tournament.game": _A.EVERYONE,
    "Tournament.status": _A.EVERYONE,
    "Tournament.format": _A.EVERYONE,
    "Tournament.startsAt": _A.EVERYONE,
    "Tournament.completedAt": _A.EVERYONE,
    "Tournament.prizePool": _A.EVERYONE,
    "Match.id": _A.EVERYONE,
    "Match.round": _A.EVERYONE,
    "Match.state": _A.EVERYONE,
    "Match.isForfeit": _A.EVERYONE,
    "Match.completedAt": _A.EVERYONE,
    "Match.tournament": _A.EVERYONE,
    # The viewer's own request budget
    "RateLimit.limit": _A.VIEWER,
    "RateLimit.cost": _A.VIEWER,
    "RateLimit.remaining": _A.VIEWER,
    "RateLimit.used": _A.VIEWER,
    "RateLimit.resetAt": _A.VIEWER,
    # Activity calendar, streaks and recent form: when things happened, so the activity setting decides; each
    # counts only the event types the viewer may see (hidden_event_types), and coin sums follow the economy.
    "User.activityCalendar": _A.ACTIVITY,
    "User.streaks": _A.ACTIVITY,
    "User.form": _A.ACTIVITY,
    "ActivityCalendar.timeZone": _A.EVERYONE,
    "ActivityCalendar.from": _A.EVERYONE,
    "ActivityCalendar.to": _A.EVERYONE,
    "ActivityCalendar.days": _A.EVERYONE,
    "ActivityCalendar.totals": _A.EVERYONE,
    "ActivityCalendarDay.date": _A.EVERYONE,
    "ActivityCalendarDay.total": _A.EVERYONE,
    "ActivityCalendarDay.tournaments": _A.EVERYONE,
    "ActivityCalendarDay.matches": _A.EVERYONE,
    "ActivityCalendarDay.wins": _A.EVERYONE,
    "ActivityCalendarDay.achievements": _A.EVERYONE,
    "ActivityCalendarDay.coinsEarned": _A.ECONOMY,
    "ActivityCalendarDay.coinsSpent": _A.ECONOMY,
    "ActivityCalendarTotals.total": _A.EVERYONE,
    "ActivityCalendarTotals.activeDays": _A.EVERYONE,
    "ActivityCalendarTotals.tournaments": _A.EVERYONE,
    "ActivityCalendarTotals.matches": _A.EVERYONE,
    "ActivityCalendarTotals.wins": _A.EVERYONE,
    "ActivityCalendarTotals.achievements": _A.EVERYONE,
    "ActivityCalendarTotals.coinsEarned": _A.ECONOMY,
    "ActivityCalendarTotals.coinsSpent": _A.ECONOMY,
    "Streaks.timeZone": _A.EVERYONE,
    "Streaks.currentWinStreak": _A.EVERYONE,
    "Streaks.longestWinStreak": _A.EVERYONE,
    "Streaks.currentDailyStreak": _A.EVERYONE,
    "Streaks.longestDailyStreak": _A.EVERYONE,
    "Streaks.lastActiveDay": _A.EVERYONE,
    "FormEntry.result": _A.EVERYONE,
    "FormEntry.completedAt": _A.EVERYONE,
    "FormEntry.match": _A.EVERYONE,
    # Staff tooling
    "ReconcileResult.usersChecked": _A.STAFF,
    "ReconcileResult.usersWithDrift": _A.STAFF,
    "ReconcileResult.fixed": _A.STAFF,
    "ReconcileResult.drifts": _A.STAFF,
    "StatsDrift.field": _A.STAFF,
    "StatsDrift.expected": _A.STAFF,
    "StatsDrift.actual": _A.STAFF,
    "StatsDrift.user": _A.STAFF,
    # --- Social: head-to-head and the grouped feed ---
    # A meeting is a match event of both players: the viewer must see the activity of each (checked per player).
    "Query.headToHead": _A.ACTIVITY,
    "HeadToHead.playerA": _A.EVERYONE,
    "HeadToHead.playerB": _A.EVERYONE,
    "HeadToHead.played": _A.EVERYONE,
    "HeadToHead.won": _A.EVERYONE,
    "HeadToHead.lost": _A.EVERYONE,
    "HeadToHead.drawn": _A.EVERYONE,
    "HeadToHead.meetings": _A.EVERYONE,
    "HeadToHeadMeetingConnection.edges": _A.EVERYONE,
    "HeadToHeadMeetingConnection.pageInfo": _A.EVERYONE,
    "HeadToHeadMeetingEdge.cursor": _A.EVERYONE,
    "HeadToHeadMeetingEdge.node": _A.EVERYONE,
    "HeadToHeadMeeting.outcome": _A.EVERYONE,
    "HeadToHeadMeeting.completedAt": _A.EVERYONE,
    "HeadToHeadMeeting.match": _A.EVERYONE,
    "HeadToHeadMeeting.tournament": _A.EVERYONE,
    # Groups fold only the events the viewer may see (EVENT_AUDIENCES): coin groups need both settings.
    "User.activityGroups": _A.ACTIVITY,
    "ActivityGroupConnection.edges": _A.EVERYONE,
    "ActivityGroupConnection.pageInfo": _A.EVERYONE,
    "ActivityGroupEdge.cursor": _A.EVERYONE,
    "ActivityGroupEdge.node": _A.EVERYONE,
    "ActivityGroup.key": _A.EVERYONE,
    "ActivityGroup.eventType": _A.EVERYONE,
    "ActivityGroup.count": _A.EVERYONE,
    "ActivityGroup.firstAt": _A.EVERYONE,
    "ActivityGroup.lastAt": _A.EVERYONE,
    "ActivityGroup.day": _A.EVERYONE,
    "ActivityGroup.amount": _A.ECONOMY,
    "ActivityGroup.tournament": _A.EVERYONE,
    "ActivityGroup.members": _A.EVERYONE,  # each an Activity, as the feed shows it
}

# Who may see an event of each type: all of its audiences must allow it.
_COIN_EVENT = (_A.ACTIVITY, _A.ECONOMY)
EVENT_AUDIENCES: dict[str, tuple[Audience, ...]] = {
    event_type: _COIN_EVENT if event_type in ECONOMY_EVENT_TYPES else (_A.ACTIVITY,) for event_type in E.values
}

# Every key services/sources.py records in an event's metadata. A key missing here is shown only to the
# player and staff (fail closed), so a new key never leaks before someone classifies it.
METADATA_KEYS: dict[str, Audience] = {
    "tournament_id": _A.EVERYONE,
    "tournament_name": _A.EVERYONE,
    "game": _A.EVERYONE,
    "registration_id": _A.EVERYONE,
    "placement": _A.EVERYONE,
    "prize": _A.ECONOMY,  # placement prizes are coin lines too
    "result_id": _A.EVERYONE,
    "match_id": _A.EVERYONE,
    "round": _A.EVERYONE,
    "opponent": _A.EVERYONE,
    "is_forfeit": _A.EVERYONE,
    "team_id": _A.EVERYONE,
    "team_name": _A.EVERYONE,
    "amount": _A.ECONOMY,
    "reason": _A.ECONOMY,
    "reference": _A.OWNER_AND_STAFF,
    "transaction_id": _A.OWNER_AND_STAFF,
    "achievement_id": _A.EVERYONE,
    "achievement_code": _A.EVERYONE,
    "achievement_name": _A.EVERYONE,
}

# Leaderboard metrics (apps.user_profile.selectors.LeaderboardMetric values): a metric others may not see
# lists only the players who made it public, plus the viewer's own row; staff see every row.
METRICS: dict[str, Audience] = {
    "TOURNAMENTS_WON": _A.EVERYONE,
    "MATCHES_WON": _A.EVERYONE,
    "WIN_RATE": _A.EVERYONE,
    "NET_EARNINGS": _A.ECONOMY,
}

# Server-rendered pages, and the sections of a page that hold a player's data.
PAGES: dict[str, Audience] = {
    "profile": _A.EVERYONE,  # /players/<u>/: name, bio, counters
    "profile.economy": _A.ECONOMY,  # its coin totals
    "profile.activity": _A.ACTIVITY,  # its latest events, recent tournaments, "last active", calendar, streaks, form
    "tournament_history": _A.ACTIVITY,  # /players/<u>/tournaments/
    "my_activity": _A.VIEWER,  # /me/activity/
    "my_settings": _A.VIEWER,  # /me/settings/
    "admin": _A.STAFF,  # /admin/: Django's own is_staff gate
    "head_to_head": _A.ACTIVITY,  # /players/<a>/vs/<b>/: checked for each of the two players
}

# The setting that opens each "as the player chose" audience to everyone (a PrivacySettings column).
SETTING_OF: dict[Audience, str] = {_A.ECONOMY: "economy_public", _A.ACTIVITY: "activity_public"}


def field_visible(field: str, *, viewer: Viewer, owner_id: int | None, settings: Settings) -> bool:
    """May `viewer` see `field` ("Type.field") of `owner_id`'s data? KeyError for a field nobody classified."""
    return may_see(FIELDS[field], viewer=viewer, owner_id=owner_id, settings=settings)


def visible_fields(type_name: str, *, viewer: Viewer, owner_id: int, settings: Settings) -> frozenset[str]:
    """The fields of `type_name` that `viewer` may see (GraphQL names). A field missing from FIELDS is not
    among them: callers hide whatever is not listed (fail closed)."""
    return _visible_fields(type_name, _relation(viewer, owner_id), viewer.is_staff, settings)


# Questions asked once per row of a page (per event of a feed) depend only on the viewer's relation to the
# owner, staff and the settings: a handful of combinations, each answered once per process. A relation stands
# for a (viewer, owner) pair with that relation.
_SAMPLE_OWNER = 1
_SAMPLE_VIEWER_ID = {"anonymous": None, "owner": _SAMPLE_OWNER, "other": 2}


def _relation(viewer: Viewer, owner_id: int) -> str:
    return "anonymous" if viewer.id is None else "owner" if viewer.id == owner_id else "other"


@functools.cache
def _visible_fields(type_name: str, relation: str, is_staff: bool, settings: Settings) -> frozenset[str]:
    owner_id = _SAMPLE_OWNER
    viewer = Viewer(id=_SAMPLE_VIEWER_ID[relation], is_staff=is_staff)
    prefix = type_name + "."
    return frozenset(
        name.removeprefix(prefix)
        for name, audience in FIELDS.items()
        if name.startswith(prefix) and may_see(audience, viewer=viewer, owner_id=owner_id, settings=settings)
    )


def hidden_event_types(*, viewer: Viewer, owner_id: int, settings: Settings) -> frozenset[str]:
    """The event types of `owner_id` that `viewer` may not see (all of them when the activity is private)."""
    return _hidden_event_types(_relation(viewer, owner_id), viewer.is_staff, settings)


@functools.cache
def _hidden_event_types(relation: str, is_staff: bool, settings: Settings) -> frozenset[str]:
    viewer = Viewer(id=_SAMPLE_VIEWER_ID[relation], is_staff=is_staff)
    return frozenset(
        event_type
        for event_type, audiences in EVENT_AUDIENCES.items()
        if not all(may_see(a, viewer=viewer, owner_id=_SAMPLE_OWNER, settings=settings) for a in audiences)
    )


def event_visible(event_type: str, *, viewer: Viewer, owner_id: int, settings: Settings) -> bool:
    return event_type not in hidden_event_types(viewer=viewer, owner_id=owner_id, settings=settings)


def visible_metadata(
    metadata: Mapping[str, Any], *, viewer: Viewer, owner_id: int, settings: Settings
) -> dict[str, Any]:
    """The keys of an event's metadata that `viewer` may see (unclassified keys: the player and staff)."""
    if sees_everything(viewer=viewer, owner_id=owner_id):
        return dict(metadata)
    return {
        key: value
        for key, value in metadata.items()
        if may_see(METADATA_KEYS.get(key, _A.OWNER_AND_STAFF), viewer=viewer, owner_id=owner_id, settings=settings)
    }


@dataclass(frozen=True, slots=True)
class ActivityTimes:
    """How to show a player's first/last activity times to one viewer."""

    hidden: bool  # null for this viewer
    excluded_event_types: frozenset[str]  # when shown: computed without these (empty: the stored times)


def activity_time_rule(*, viewer: Viewer, owner_id: int, settings: Settings) -> ActivityTimes:
    """The times move with every event, so they are computed over the events the viewer may see: a private
    coin line must not move `lastActivityAt` for others."""
    if not field_visible("UserStats.lastActivityAt", viewer=viewer, owner_id=owner_id, settings=settings):
        return ActivityTimes(hidden=True, excluded_event_types=frozenset())
    return ActivityTimes(
        hidden=False, excluded_event_types=hidden_event_types(viewer=viewer, owner_id=owner_id, settings=settings)
    )


@dataclass(frozen=True, slots=True)
class LeaderboardScope:
    """Which rows of a board a viewer sees: all, or those whose `setting` is on plus the viewer's own."""

    setting: str | None  # a PrivacySettings column; None: every row
    viewer_id: int | None


def leaderboard_scope(*, metric: str, viewer: Viewer) -> LeaderboardScope:
    audience = METRICS[metric]
    if audience is _A.EVERYONE or viewer.is_staff:
        return LeaderboardScope(setting=None, viewer_id=viewer.id)
    return LeaderboardScope(setting=SETTING_OF[audience], viewer_id=viewer.id)


def page_visible(page: str, *, viewer: Viewer, owner_id: int | None, settings: Settings) -> bool:
    return may_see(PAGES[page], viewer=viewer, owner_id=owner_id, settings=settings)


# --- Player analytics: segmented stats, breakdowns, ranks and segment leaderboards (apps/analytics) ---------

# A segment narrowed by time (a season, a since/until window, a month) tells when the player played, as the
# feed does: it follows the activity setting. Narrowed by game alone it is a counter, like `User.stats`.
SEGMENT_AUDIENCES: dict[str, Audience] = {
    "GAME": _A.EVERYONE,
    "SEASON": _A.ACTIVITY,
    "WINDOW": _A.ACTIVITY,
    "MONTH": _A.ACTIVITY,
}

ANALYTICS_FIELDS: dict[str, Audience] = {
    "Query.seasons": _A.EVERYONE,
    "Season.id": _A.EVERYONE,
    "Season.name": _A.EVERYONE,
    "Season.game": _A.EVERYONE,
    "Season.startsAt": _A.EVERYONE,
    "Season.endsAt": _A.EVERYONE,
    "User.segmentStats": _A.EVERYONE,  # null unless segment_visible
    "User.statsBreakdown": _A.EVERYONE,  # empty unless segment_visible
    "User.rank": _A.EVERYONE,  # null unless the player's row is on the viewer's board (segment_board_scope)
    "StatsSegment.key": _A.EVERYONE,
    "StatsSegment.label": _A.EVERYONE,
    "StatsSegment.game": _A.EVERYONE,
    "StatsSegment.season": _A.EVERYONE,
    "StatsSegment.startsAt": _A.EVERYONE,
    "StatsSegment.endsAt": _A.EVERYONE,
    "StatsSegment.stats": _A.EVERYONE,
    "PlayerRank.metric": _A.EVERYONE,
    "PlayerRank.rank": _A.EVERYONE,
    "PlayerRank.rankedPlayers": _A.EVERYONE,
    "PlayerRank.percentile": _A.EVERYONE,
    "PlayerRank.value": _A.EVERYONE,
    "PlayerRank.integerValue": _A.EVERYONE,
    # A segment's counters are classified as the same counters of `User.stats` (coin figures: the economy
    # setting); the activity times are not part of a segment.
    **{
        "SegmentStats." + name.removeprefix("UserStats."): audience
        for name, audience in FIELDS.items()
        if name.startswith("UserStats.") and name not in ("UserStats.firstActivityAt", "UserStats.lastActivityAt")
    },
}
FIELDS.update(ANALYTICS_FIELDS)


def segment_visible(kinds: frozenset[str], *, viewer: Viewer, owner_id: int, settings: Settings) -> bool:
    """May `viewer` see `owner_id`'s counters narrowed by these segment kinds (SEGMENT_AUDIENCES keys)?"""
    return all(may_see(SEGMENT_AUDIENCES[kind], viewer=viewer, owner_id=owner_id, settings=settings) for kind in kinds)


@dataclass(frozen=True, slots=True)
class BoardScope:
    """Which rows of a (segment) board a viewer sees: all, or those whose `settings` (PrivacySettings columns)
    are all on, plus the viewer's own row."""

    settings: tuple[str, ...]  # empty: every row
    viewer_id: int | None


def segment_board_scope(*, metric: str, kinds: frozenset[str], viewer: Viewer) -> BoardScope:
    """The rows of the `metric` board narrowed by segment `kinds` that `viewer` sees: the metric's audience
    (METRICS) and each segment kind's must all let the row through."""
    audiences = {METRICS[metric], *(SEGMENT_AUDIENCES[kind] for kind in kinds)}
    if viewer.is_staff:
        return BoardScope(settings=(), viewer_id=viewer.id)
    return BoardScope(
        settings=tuple(sorted(SETTING_OF[a] for a in audiences if a is not _A.EVERYONE)), viewer_id=viewer.id
    )
