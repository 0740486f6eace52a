"""Per-request DataLoaders: every relation of a list is fetched in one batched query."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.models import User
from django.db.models import Model
from strawberry.dataloader import DataLoader

from apps.economy.models import DeltaCrownTransaction
from apps.privacy.policy import DEFAULT_SETTINGS, Settings
from apps.privacy.selectors import privacy_settings_of
from apps.tournaments.models import Match, Tournament
from apps.user_profile.models import UserActivity, UserProfileStats
from apps.user_profile.selectors import (
    ActivityCursor,
    ActivityPage,
    TournamentHistoryPage,
    activity_forward_pages,
    activity_times_of,
    economy_recent_transactions_of,
    tournament_history_pages,
)
from apps.user_profile.selectors.calendar import Calendar
from apps.user_profile.selectors.rows import models_by_pk, players_by_pk
from apps.user_profile.selectors.streaks import FormEntry, Streaks
from schema.calendar import loaders as calendar_loaders
from schema.calendar.loaders import CalendarKey, FormKey, StreaksKey
from schema.db import run_sync

if TYPE_CHECKING:
    from schema.analytics.loaders import AnalyticsLoaders

# (owner id, first, after, event types, since, until, event types hidden by the privacy policy): a forward
# feed page of one player.
FeedArguments = tuple[
    int | None, ActivityCursor | None, tuple[str, ...] | None, datetime | None, datetime | None, frozenset[str]
]
FeedKey = tuple[
    int, int | None, ActivityCursor | None, tuple[str, ...] | None, datetime | None, datetime | None, frozenset[str]
]

# (user id, first, after): a page of one player's tournament history.
HistoryKey = tuple[int, int | None, ActivityCursor | None]
# (user id, first): one player's newest ledger lines.
TransactionsKey = tuple[int, int]
# (user id, event types left out): one player's first and last event times without those types.
ActivityTimesKey = tuple[int, frozenset[str]]

M = TypeVar("M", bound=Model)
K = TypeVar("K", bound=tuple[Any, ...])
V = TypeVar("V")


def _by_pk_loader(model: type[M]) -> DataLoader[int, M | None]:
    def fetch(keys: Sequence[int]) -> list[M | None]:
        found = models_by_pk(model, keys)
        return [found.get(key) for key in keys]

    async def load(keys: list[int]) -> list[M | None]:
        return await run_sync(fetch, keys)

    return DataLoader(load_fn=load)


def _fetch_stats(keys: Sequence[int]) -> list[UserProfileStats]:
    found = models_by_pk(UserProfileStats, keys)
    # A player without a stats row yet has all-zero stats, never an error.
    return [found.get(key) or UserProfileStats(user_id=key) for key in keys]


async def _load_stats(keys: list[int]) -> list[UserProfileStats]:
    return await run_sync(_fetch_stats, keys)


def _feed_loader(*, viewer_id: int | None, viewer_is_staff: bool) -> DataLoader[FeedKey, ActivityPage]:
    def fetch(keys: Sequence[FeedKey]) -> list[ActivityPage]:
        # Keys that differ only by owner share one query.
        owners_by_arguments: dict[FeedArguments, list[int]] = defaultdict(list)
        for owner_id, first, after, event_types, since, until, hidden in keys:
            owners_by_arguments[(first, after, event_types, since, until, hidden)].append(owner_id)
        pages: dict[FeedKey, ActivityPage] = {}
        for (first, after, event_types, since, until, hidden), owner_ids in owners_by_arguments.items():
            found = activity_forward_pages(
                owner_ids=owner_ids,
                viewer_id=viewer_id,
                viewer_is_staff=viewer_is_staff,
                first=first,
                after=after,
                event_types=event_types,
                since=since,
                until=until,
                hidden_event_types=hidden,
            )
            for owner_id, page in found.items():
                pages[(owner_id, first, after, event_types, since, until, hidden)] = page
        return [pages[key] for key in keys]

    async def load(keys: list[FeedKey]) -> list[ActivityPage]:
        return await run_sync(fetch, keys)

    return DataLoader(load_fn=load)


def _per_owner_loader(
    fetch_many: Callable[[list[int], tuple[Any, ...]], dict[int, V]],
) -> DataLoader[K, V]:
    """Keys are (owner id, *arguments); the owners of keys with the same arguments share one fetch_many call."""

    def fetch(keys: Sequence[K]) -> list[V]:
        owners_by_arguments: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for key in keys:
            owners_by_arguments[key[1:]].append(key[0])
        found: dict[tuple[Any, ...], V] = {}
        for arguments, owner_ids in owners_by_arguments.items():
            for owner_id, value in fetch_many(owner_ids, arguments).items():
                found[(owner_id, *arguments)] = value
        return [found[key] for key in keys]

    async def load(keys: list[K]) -> list[V]:
        return await run_sync(fetch, keys)

    return DataLoader(load_fn=load)


def _history_pages(owner_ids: list[int], arguments: tuple[Any, ...]) -> dict[int, TournamentHistoryPage]:
    first, after = arguments
    return tournament_history_pages(user_ids=owner_ids, first=first, after=after)


def _recent_transactions(owner_ids: list[int], arguments: tuple[Any, ...]) -> dict[int, list[DeltaCrownTransaction]]:
    (first,) = arguments
    return economy_recent_transactions_of(user_ids=owner_ids, first=first)


def _activity_times(
    owner_ids: list[int], arguments: tuple[Any, ...]
) -> dict[int, tuple[datetime | None, datetime | None]]:
    (excluded,) = arguments
    return activity_times_of(owner_ids=owner_ids, excluded_event_types=excluded)


def _privacy_settings_loader() -> DataLoader[int, Settings]:
    def fetch(keys: Sequence[int]) -> list[Settings]:
        found = privacy_settings_of(user_ids=keys)
        return [found[key] for key in keys]

    async def load(keys: list[int]) -> list[Settings]:
        return await run_sync(fetch, keys)

    return DataLoader(load_fn=load)


def _user_loader(privacy_settings: DataLoader[int, Settings]) -> DataLoader[int, User | None]:
    """Players by id, each with their privacy settings (a join), primed into `privacy_settings`: the fields
    that ask the policy about a player fetched by id need no second query."""

    def fetch(keys: Sequence[int]) -> list[User | None]:
        found = players_by_pk(keys)
        return [found.get(key) for key in keys]

    async def load(keys: list[int]) -> list[User | None]:
        users = await run_sync(fetch, keys)
        for user in users:
            if user is not None:
                row = user._state.fields_cache.get("privacy_settings")  # None: no row, the defaults
                privacy_settings.prime(user.pk, DEFAULT_SETTINGS if row is None else row.as_policy_settings())
        return users

    return DataLoader(load_fn=load)


class Loaders:
    """Created once per request on the context (never shared between requests or users). Each loader is made
    when a resolver first asks for it: a request uses a few of them, and making all of them cost more than
    running a small query."""

    def __init__(self, *, viewer_id: int | None = None, viewer_is_staff: bool = False) -> None:
        self._viewer_id = viewer_id
        self._viewer_is_staff = viewer_is_staff

    @cached_property
    def feed_page(self) -> DataLoader[FeedKey, ActivityPage]:
        """Forward feed pages of many players (a leaderboard's) in one query; what they show depends on the
        viewer."""
        return _feed_loader(viewer_id=self._viewer_id, viewer_is_staff=self._viewer_is_staff)

    @cached_property
    def tournament_history_page(self) -> DataLoader[HistoryKey, TournamentHistoryPage]:
        """History pages of many players in one query (same arguments, any owners)."""
        return _per_owner_loader(_history_pages)

    @cached_property
    def recent_transactions(self) -> DataLoader[TransactionsKey, list[DeltaCrownTransaction]]:
        """The newest ledger lines of many players in one query (same arguments, any owners)."""
        return _per_owner_loader(_recent_transactions)

    @cached_property
    def privacy_settings(self) -> DataLoader[int, Settings]:
        """Players' privacy settings (absent row: the defaults), all of a request's players in one query."""
        return _privacy_settings_loader()

    @cached_property
    def user(self) -> DataLoader[int, User | None]:
        return _user_loader(self.privacy_settings)

    @cached_property
    def stats(self) -> DataLoader[int, UserProfileStats]:
        return DataLoader(load_fn=_load_stats)

    @cached_property
    def tournament(self) -> DataLoader[int, Tournament | None]:
        return _by_pk_loader(Tournament)

    @cached_property
    def match(self) -> DataLoader[int, Match | None]:
        return _by_pk_loader(Match)

    @cached_property
    def activity_times(self) -> DataLoader[ActivityTimesKey, tuple[datetime | None, datetime | None]]:
        """Activity times over the events a viewer may see, all of a request's players in one query."""
        return _per_owner_loader(_activity_times)

    # --- Social (head-to-head, grouped feed) ---
    @cached_property
    def activity(self) -> DataLoader[int, UserActivity | None]:
        """Events by id (the members of a page of activity groups): one query for the page."""
        return _by_pk_loader(UserActivity)

    # --- Player analytics (schema/analytics): segment stats, breakdowns, ranks, seasons ---
    @cached_property
    def analytics(self) -> "AnalyticsLoaders":
        from schema.analytics.loaders import AnalyticsLoaders

        return AnalyticsLoaders()

    # Activity calendars, streaks and recent form (schema/calendar), all of a request's players in one
    # statement per field and arguments.
    @cached_property
    def activity_calendar(self) -> DataLoader[CalendarKey, Calendar]:
        return _per_owner_loader(calendar_loaders.calendars)

    @cached_property
    def streaks(self) -> DataLoader[StreaksKey, Streaks]:
        return _per_owner_loader(calendar_loaders.streaks)

    @cached_property
    def form(self) -> DataLoader[FormKey, list[FormEntry]]:
        return _per_owner_loader(calendar_loaders.forms)

    @staticmethod
    def prime(loader: DataLoader[int, Any], objects: Iterable[Any], key: Callable[[Any], int]) -> None:
        loader.prime_many({key(obj): obj for obj in objects})
