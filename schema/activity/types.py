import enum
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from apps.user_profile.models import ActivityEventType as EventTypeChoices
from apps.user_profile.models import UserActivity
from schema.context import Info
from schema.directives import Cost
from schema.node import Node, to_global_id
from schema.pagination import PageInfo
from schema.tournaments.types import Match, Tournament

_EventTypeEnum = enum.Enum(  # type: ignore[misc]
    "ActivityEventType", {choice.name: choice.value for choice in EventTypeChoices}
)
ActivityEventType = strawberry.enum(_EventTypeEnum, description="What happened to the player.")
# A dict lookup per row instead of an Enum() call: this field is on the hottest list of the API.
_EVENT_TYPE_BY_VALUE = {member.value: member for member in _EventTypeEnum}


class ActivityNode:
    """What the Activity type reads, computed once per row.

    Plain attributes resolve without strawberry's per-field resolver machinery: on a 50-event page that
    is hundreds of resolver calls saved (the feed is the API's hottest list).
    """

    __slots__ = ("amount", "event_type", "id", "metadata", "timestamp", "user_id")

    def __init__(self, activity: UserActivity) -> None:
        self.id = to_global_id("Activity", activity.pk)
        self.event_type = _EVENT_TYPE_BY_VALUE[activity.event_type]
        self.timestamp = activity.timestamp
        self.metadata = activity.metadata
        self.amount = activity.amount
        self.user_id = activity.user_id


@strawberry.type(description="One event of a player's activity log (immutable).")
class Activity(Node):
    event_type: ActivityEventType  # type: ignore[valid-type]
    timestamp: datetime
    metadata: JSON
    amount: int | None = strawberry.field(description="DC coins moved, for economy events.")

    @strawberry.field(directives=[Cost(weight="1")])
    async def tournament(root: ActivityNode, info: Info) -> Tournament | None:
        tournament_id = root.metadata.get("tournament_id")
        if tournament_id is None:
            return None
        return await info.context.loaders.tournament.load(int(tournament_id))  # type: ignore[return-value]

    @strawberry.field(name="match", directives=[Cost(weight="1")])
    async def match_(root: ActivityNode, info: Info) -> Match | None:
        match_id = root.metadata.get("match_id")
        if match_id is None:
            return None
        return await info.context.loaders.match.load(int(match_id))  # type: ignore[return-value]

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, ActivityNode)


@strawberry.type
class ActivityEdge:
    cursor: str
    node: Activity


@strawberry.type(description="A page of a player's activity, newest first, with keyset cursors.")
class ActivityConnection:
    edges: list[ActivityEdge]
    page_info: PageInfo
