"""Per-request loaders of the analytics fields: every player of a request in one statement per argument set."""

from typing import Any

from strawberry.dataloader import DataLoader

from apps.analytics.models import Season
from apps.analytics.selectors.rank import PlayerRank, ranks_of
from apps.analytics.selectors.segments import BreakdownItem, breakdown_of, segment_stats_of
from apps.user_profile.models import UserProfileStats


def _segment_stats(owner_ids: list[int], arguments: tuple[Any, ...]) -> dict[int, UserProfileStats]:
    (segment,) = arguments
    return segment_stats_of(user_ids=owner_ids, segment=segment)


def _breakdowns(owner_ids: list[int], arguments: tuple[Any, ...]) -> dict[int, list[BreakdownItem]]:
    by, segment, time_zone, first = arguments
    return breakdown_of(user_ids=owner_ids, by=by, segment=segment, time_zone=time_zone, first=first)


def _ranks(owner_ids: list[int], arguments: tuple[Any, ...]) -> dict[int, PlayerRank | None]:
    metric, segment, min_matches, scope = arguments
    return ranks_of(user_ids=owner_ids, metric=metric, segment=segment, min_matches=min_matches, scope=scope)


class AnalyticsLoaders:
    """Keys are (owner id, *arguments); owners asked with the same arguments share one statement."""

    def __init__(self) -> None:
        from schema.dataloaders import _by_pk_loader, _per_owner_loader  # schema.dataloaders creates these

        self.segment_stats: DataLoader[Any, UserProfileStats] = _per_owner_loader(_segment_stats)
        self.breakdown: DataLoader[Any, list[BreakdownItem]] = _per_owner_loader(_breakdowns)
        self.rank: DataLoader[Any, PlayerRank | None] = _per_owner_loader(_ranks)
        self.season: DataLoader[int, Season | None] = _by_pk_loader(Season)
