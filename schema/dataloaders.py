"""Per-request DataLoaders: every relation of a list is fetched in one batched query."""

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.contrib.auth.models import User
from django.db.models import Model
from strawberry.dataloader import DataLoader

from apps.tournaments.models import Match, Tournament
from apps.user_profile.models import UserProfileStats

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


class Loaders:
    """Created once per request on the context (never shared between requests or users)."""

    def __init__(self) -> None:
        self.user: DataLoader[int, User | None] = _by_pk_loader(User)
        self.stats: DataLoader[int, UserProfileStats] = DataLoader(load_fn=_load_stats)
        self.tournament: DataLoader[int, Tournament | None] = _by_pk_loader(Tournament)
        self.match: DataLoader[int, Match | None] = _by_pk_loader(Match)

    @staticmethod
    def prime(loader: DataLoader[int, Any], objects: Iterable[Any], key: Callable[[Any], int]) -> None:
        loader.prime_many({key(obj): obj for obj in objects})
