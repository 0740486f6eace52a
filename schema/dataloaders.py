"""Per-request DataLoaders: every relation of a list is fetched in one batched query."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db.models import Model
from strawberry.dataloader import DataLoader

from apps.tournaments.models import Match, Tournament
from apps.user_profile.models import UserProfileStats
from apps.user_profile.selectors import ActivityCursor, ActivityPage, activity_forward_pages

# (owner id, first, after, event types, since, until): a forward feed page of one player.
FeedArguments = tuple[int | None, ActivityCursor | None, tuple[str, ...] | None, datetime | None, datetime | None]
FeedKey = tuple[int, int | None, ActivityCursor | None, tuple[str, ...] | None, datetime | None, datetime | None]

M = TypeVar("M", bound=Model)


def _by_pk_loader(model: type[M]) -> DataLoader[int, M | None]:
    def fetch(keys: Sequence[int]) -> list[M | None]:
        found = model._default_manager.in_bulk(list(keys))
        return [found.get(key) for key in keys]

    async def load(keys: list[int]) -> list[M | None]:
        return await sync_to_async(fetch)(keys)

    return DataLoader(load_fn=load)


def _fetch_stats(keys: Sequence[int]) -> list[UserProfileStats]:
    found = UserProfileStats.objects.in_bulk(list(keys))
    # A player without a stats row yet has all-zero stats, never an error.
    return [found.get(key) or UserProfileStats(user_id=key) for key in keys]


async def _load_stats(keys: list[int]) -> list[UserProfileStats]:
    return await sync_to_async(_fetch_stats)(keys)


def _feed_loader(*, viewer_id: int | None, viewer_is_staff: bool) -> DataLoader[FeedKey, ActivityPage]:
    def fetch(keys: Sequence[FeedKey]) -> list[ActivityPage]:
        # Keys that differ only by owner share one query.
        owners_by_arguments: dict[FeedArguments, list[int]] = defaultdict(list)
        for owner_id, first, after, event_types, since, until in keys:
            owners_by_arguments[(first, after, event_types, since, until)].append(owner_id)
        pages: dict[FeedKey, ActivityPage] = {}
        for (first, after, event_types, since, until), owner_ids in owners_by_arguments.items():
            found = activity_forward_pages(
                owner_ids=owner_ids,
                viewer_id=viewer_id,
                viewer_is_staff=viewer_is_staff,
                first=first,
                after=after,
                event_types=event_types,
                since=since,
                until=until,
            )
            for owner_id, page in found.items():
                pages[(owner_id, first, after, event_types, since, until)] = page
        return [pages[key] for key in keys]

    async def load(keys: list[FeedKey]) -> list[ActivityPage]:
        return await sync_to_async(fetch)(keys)

    return DataLoader(load_fn=load)


class Loaders:
    """Created once per request on the context (never shared between requests or users)."""

    def __init__(self, *, viewer_id: int | None = None, viewer_is_staff: bool = False) -> None:
        # Forward feed pages of many players (a leaderboard's) in one query; what they show depends on the viewer.
        self.feed_page: DataLoader[FeedKey, ActivityPage] = _feed_loader(
            viewer_id=viewer_id, viewer_is_staff=viewer_is_staff
        )
        self.user: DataLoader[int, User | None] = _by_pk_loader(User)
        self.stats: DataLoader[int, UserProfileStats] = DataLoader(load_fn=_load_stats)
        self.tournament: DataLoader[int, Tournament | None] = _by_pk_loader(Tournament)
        self.match: DataLoader[int, Match | None] = _by_pk_loader(Match)

    @staticmethod
    def prime(loader: DataLoader[int, Any], objects: Iterable[Any], key: Callable[[Any], int]) -> None:
        loader.prime_many({key(obj): obj for obj in objects})
