from datetime import datetime

import strawberry

from apps.user_profile.selectors import TournamentOutcome
from schema.pagination import PageInfo
from schema.tournaments.types import Tournament

TournamentResult = strawberry.enum(TournamentOutcome, name="TournamentResult", description="A podium finish.")


@strawberry.type(description="A tournament the player registered for, and how it went for them.")
class TournamentHistoryEntry:
    registered_at: datetime
    checked_in: bool
    completed: bool
    placement: int | None
    result: TournamentResult | None  # type: ignore[valid-type]
    matches_played: int
    matches_won: int
    matches_lost: int
    tournament: Tournament  # the entry's own attribute, read with the page: a plain field


@strawberry.type
class TournamentHistoryEdge:
    cursor: str
    node: TournamentHistoryEntry


@strawberry.type(description="A player's tournaments, newest registration first.")
class TournamentHistoryConnection:
    edges: list[TournamentHistoryEdge]
    page_info: PageInfo
