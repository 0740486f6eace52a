"""`Query.headToHead(a:, b:)`: two players' record against each other and their latest meetings."""

import enum
from datetime import datetime

import strawberry

from apps.tournaments.models import Match as MatchModel
from apps.tournaments.models import Tournament as TournamentModel
from apps.user_profile.event_types import ActivityEventType as E
from apps.user_profile.selectors import InvalidCursorError, InvalidPageArgumentsError
from apps.user_profile.selectors.activity import DEFAULT_PAGE_SIZE
from apps.user_profile.selectors.head_to_head import (
    HeadToHeadHistory,
    HeadToHeadRecord,
    Meeting,
    head_to_head_history,
)
from apps.user_profile.selectors.rows import models_by_pk
from schema.context import Info
from schema.db import run_sync
from schema.directives import Cost, connection_size
from schema.errors import BadInputError, PermissionDeniedError, UnauthenticatedError
from schema.node import pk_from_global_id
from schema.pagination import PageInfo, connection_of
from schema.privacy.access import field_visible
from schema.social.groups import selections_named
from schema.tournaments.types import Match, Tournament
from schema.users.types import User


@strawberry.enum(description="A meeting's result from player A's side.")
class HeadToHeadOutcome(enum.Enum):
    WIN = "WIN"
    LOSS = "LOSS"
    DRAW = "DRAW"


_OUTCOME = {
    E.MATCH_WON.value: HeadToHeadOutcome.WIN,
    E.MATCH_LOST.value: HeadToHeadOutcome.LOSS,
    E.MATCH_DRAWN.value: HeadToHeadOutcome.DRAW,
}


@strawberry.type(description="A match the two players played on opposite sides.")
class HeadToHeadMeeting:
    meeting: strawberry.Private[Meeting]
    # Plain attributes, set once per meeting (no resolver call per field on a page of meetings).
    outcome: HeadToHeadOutcome = strawberry.field(description="Player A's result.")
    completed_at: datetime = strawberry.field(description="When the match completed.")
    # The page's match and tournament rows, read with the page (HeadToHead.meetings) when the selection asks
    # for them: the fields below resolve from these without a loader's future and task per meeting.
    match_row: strawberry.Private[MatchModel | None] = None
    tournament_row: strawberry.Private[TournamentModel | None] = None

    @classmethod
    def of(
        cls, meeting: Meeting, *, matches: dict[int, MatchModel], tournaments: dict[int, TournamentModel]
    ) -> "HeadToHeadMeeting":
        return cls(
            meeting=meeting,
            outcome=_OUTCOME[meeting.outcome],
            completed_at=meeting.completed_at,
            match_row=matches.get(meeting.match_id),
            tournament_row=tournaments.get(meeting.tournament_id) if meeting.tournament_id is not None else None,
        )

    @strawberry.field(name="match", directives=[Cost(weight="1")])
    def match_(self, info: Info) -> Match | None:
        if self.match_row is not None:
            return self.match_row  # type: ignore[return-value]
        return info.context.loaders.match.load(self.meeting.match_id)  # type: ignore[return-value]

    @strawberry.field(directives=[Cost(weight="1")])
    def tournament(self, info: Info) -> Tournament | None:
        if self.meeting.tournament_id is None:
            return None
        if self.tournament_row is not None:
            return self.tournament_row  # type: ignore[return-value]
        return info.context.loaders.tournament.load(self.meeting.tournament_id)  # type: ignore[return-value]


@strawberry.type
class HeadToHeadMeetingEdge:
    cursor: str
    node: HeadToHeadMeeting


@strawberry.type(description="A page of meetings, newest first.")
class HeadToHeadMeetingConnection:
    edges: list[HeadToHeadMeetingEdge]
    page_info: PageInfo


@strawberry.type(description="Two players' matches against each other, from player A's side.")
class HeadToHead:
    history: strawberry.Private[HeadToHeadHistory]
    record: strawberry.Private[HeadToHeadRecord]

    @strawberry.field
    async def player_a(self, info: Info) -> User:
        return await info.context.loaders.user.load(self.record.player_a_id)  # type: ignore[return-value]

    @strawberry.field
    async def player_b(self, info: Info) -> User:
        return await info.context.loaders.user.load(self.record.player_b_id)  # type: ignore[return-value]

    @strawberry.field(description="Matches the two played on opposite sides (won + lost + drawn).")
    def played(self) -> int:
        return self.record.played

    @strawberry.field(description="Meetings player A won.")
    def won(self) -> int:
        return self.record.won

    @strawberry.field(description="Meetings player A lost.")
    def lost(self) -> int:
        return self.record.lost

    @strawberry.field(description="Meetings without a winner.")
    def drawn(self) -> int:
        return self.record.drawn

    @strawberry.field(
        description="The latest meetings, newest first (`first`/`after`, at most 100).",
        directives=[connection_size(assumed_size=DEFAULT_PAGE_SIZE)],
    )
    async def meetings(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> HeadToHeadMeetingConnection:
        try:
            page = self.history.page(first=first, after=after)  # read with the record: no query
        except (InvalidCursorError, InvalidPageArgumentsError) as error:
            raise BadInputError(str(error)) from error
        # The page's matches and tournaments, when the selection asks for them: one trip to the database
        # thread for both (a meeting's tournament is its match's, so either selection reads them).
        selections = info.selected_fields
        match_ids = [item.match_id for item in page.items] if selections_named(selections, "match") else []
        tournament_ids = (
            sorted({item.tournament_id for item in page.items if item.tournament_id is not None})
            if selections_named(selections, "tournament")
            else []
        )
        matches: dict[int, MatchModel] = {}
        tournaments: dict[int, TournamentModel] = {}
        if match_ids or tournament_ids:
            matches, tournaments = await run_sync(_relations, match_ids, tournament_ids)
            loaders = info.context.loaders
            loaders.match.prime_many(matches)
            loaders.tournament.prime_many(tournaments)
        edges = [
            HeadToHeadMeetingEdge(
                cursor=item.cursor, node=HeadToHeadMeeting.of(item, matches=matches, tournaments=tournaments)
            )
            for item in page.items
        ]
        return connection_of(HeadToHeadMeetingConnection, page, edges)


def _relations(
    match_ids: list[int], tournament_ids: list[int]
) -> tuple[dict[int, MatchModel], dict[int, TournamentModel]]:
    matches = models_by_pk(MatchModel, match_ids) if match_ids else {}
    tournaments = models_by_pk(TournamentModel, tournament_ids) if tournament_ids else {}
    return matches, tournaments


async def head_to_head_of(info: Info, *, a: strawberry.ID, b: strawberry.ID) -> HeadToHead | None:
    """The resolver of Query.headToHead: null when either player does not exist; an error when the privacy
    policy keeps either player's matches from the viewer (a meeting is a match event of both)."""
    player_a_id = pk_from_global_id(a, expected_type="User")
    player_b_id = pk_from_global_id(b, expected_type="User")
    if player_a_id == player_b_id:
        raise BadInputError("Head-to-head needs two different players: `a` and `b` are the same.")
    players = await info.context.loaders.user.load_many([player_a_id, player_b_id])  # primes their settings
    if any(player is None for player in players):
        return None
    for player_id in (player_a_id, player_b_id):
        if not await field_visible(info, "Query.headToHead", owner_id=player_id):
            # Anonymous: signing in may help (UNAUTHENTICATED); another player: it will not (FORBIDDEN).
            denied = UnauthenticatedError if info.context.user is None else PermissionDeniedError
            raise denied("A player in this head-to-head keeps their activity private.")
    history = await run_sync(head_to_head_history, player_a_id=player_a_id, player_b_id=player_b_id)
    return HeadToHead(history=history, record=history.record)
