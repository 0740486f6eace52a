import enum
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from apps.user_profile.models import ActivityEventType as EventTypeChoices
from apps.user_profile.models import UserActivity
from schema.context import Info
from schema.node import Node, to_global_id
from schema.pagination import PageInfo
from schema.tournaments.types import Match, Tournament

_EventTypeEnum = enum.Enum(  # type: ignore[misc]
    "ActivityEventType", {choice.name: choice.value for choice in EventTypeChoices}
)
ActivityEventType = strawberry.enum(_EventTypeEnum, description="What happened to the player.")
# A dict lookup per row instead of an Enum() call: this field is on the hottest list of the API.
_EVENT_TYPE_BY_VALUE = {member.value: member for member in _EventTypeEnum}


@strawberry.type(description="One event of a player's activity log (immutable).")
class Activity(Node):
    timestamp: datetime
    metadata: JSON
    amount: int | None = strawberry.field(description="DC coins moved, for economy events.")

    @strawberry.field  # type: ignore[misc]
    def id(root: UserActivity) -> strawberry.ID:  # type: ignore[override]
        return to_global_id("Activity", root.pk)

    @strawberry.field
    def event_type(root: UserActivity) -> ActivityEventType:  # type: ignore[valid-type]
        return _EVENT_TYPE_BY_VALUE[root.event_type]

    @strawberry.field
    async def tournament(root: UserActivity, info: Info) -> Tournament | None:
        tournament_id = root.metadata.get("tournament_id")
        if tournament_id is None:
            return None
        return await info.context.loaders.tournament.load(int(tournament_id))  # type: ignore[return-value]

    @strawberry.field(name="match")
    async def match_(root: UserActivity, info: Info) -> Match | None:
        match_id = root.metadata.get("match_id")
        if match_id is None:
            return None
        return await info.context.loaders.match.load(int(match_id))  # type: ignore[return-value]

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, UserActivity)


@strawberry.type
class ActivityEdge:
    cursor: str
    node: Activity


@strawberry.type(description="A page of a player's activity, newest first, with keyset cursors.")
class ActivityConnection:
    edges: list[ActivityEdge]
    page_info: PageInfo
