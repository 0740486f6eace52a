import enum
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.utils.str_converters import to_camel_case

from apps.privacy import policy
from apps.privacy.policy import Settings, Viewer
from apps.user_profile.models import ActivityEventType as EventTypeChoices
from apps.user_profile.models import UserActivity
from schema.context import Info
from schema.directives import Cost
from schema.node import Node, to_global_id
from schema.pagination import PageInfo
from schema.scalars import BigInt
from schema.tournaments.enums import TransactionReason
from schema.tournaments.types import Match, Tournament

_EventTypeEnum = enum.Enum(  # type: ignore[misc]
    "ActivityEventType", {choice.name: choice.value for choice in EventTypeChoices}
)
ActivityEventType = strawberry.enum(_EventTypeEnum, description="What happened to the player.")
# A dict lookup per row instead of an Enum() call: this field is on the hottest list of the API.
_EVENT_TYPE_BY_VALUE = {member.value: member for member in _EventTypeEnum}


class ActivityNode:
    """What the Activity type reads, computed once per row, as the viewer may see it.

    Plain attributes resolve without strawberry's per-field resolver machinery: on a 50-event page that
    is hundreds of resolver calls saved (the feed is the API's hottest list). The metadata and the amount are
    already filtered by the privacy policy for this viewer; `details` asks it field by field.
    """

    __slots__ = ("amount", "event_type", "id", "metadata", "owner_settings", "timestamp", "user_id", "viewer")

    def __init__(self, activity: UserActivity, *, viewer: Viewer, settings: Settings) -> None:
        self.id = to_global_id("Activity", activity.pk)
        self.event_type = _EVENT_TYPE_BY_VALUE[activity.event_type]
        self.timestamp = activity.timestamp
        self.user_id = activity.user_id
        self.viewer = viewer
        self.owner_settings = settings
        self.metadata = policy.visible_metadata(
            activity.metadata, viewer=viewer, owner_id=self.user_id, settings=settings
        )
        shows_amount = policy.field_visible("Activity.amount", viewer=viewer, owner_id=self.user_id, settings=settings)
        self.amount = BigInt(activity.amount) if shows_amount and activity.amount is not None else None

    def visible(self, type_name: str) -> frozenset[str]:
        return policy.visible_fields(type_name, viewer=self.viewer, owner_id=self.user_id, settings=self.owner_settings)


def _int_or_none(value: Any) -> int | None:
    return int(value) if value is not None else None


@strawberry.type(description="What a tournament event (registered, checked in, completed, placed) was about.")
class TournamentDetails:
    tournament_id: strawberry.Private[int | None]
    tournament_name: str | None
    game: str | None
    placement: int | None = strawberry.field(description="For placement events (won, runner-up, top 4).")
    prize: BigInt | None = strawberry.field(
        description="DC coins won with the placement; null when the player keeps their economy private."
    )

    @strawberry.field(directives=[Cost(weight="1")])
    async def tournament(self, info: Info) -> Tournament | None:
        if self.tournament_id is None:
            return None
        return await info.context.loaders.tournament.load(self.tournament_id)  # type: ignore[return-value]


@strawberry.type(description="What a match event (played, won, lost, drawn) was about.")
class MatchDetails:
    match_id: strawberry.Private[int | None]
    tournament_id: strawberry.Private[int | None]
    tournament_name: str | None
    round: int | None
    opponent: str | None
    is_forfeit: bool

    @strawberry.field(name="match", directives=[Cost(weight="1")])
    async def match_(self, info: Info) -> Match | None:
        if self.match_id is None:
            return None
        return await info.context.loaders.match.load(self.match_id)  # type: ignore[return-value]

    @strawberry.field(directives=[Cost(weight="1")])
    async def tournament(self, info: Info) -> Tournament | None:
        if self.tournament_id is None:
            return None
        return await info.context.loaders.tournament.load(self.tournament_id)  # type: ignore[return-value]


@strawberry.type(description="DC coins earned or spent.")
class CoinsDetails:
    amount: BigInt | None = strawberry.field(description="Coins moved (positive); null if the economy is private.")
    reason: TransactionReason | None  # type: ignore[valid-type]
    reference: str | None = strawberry.field(description="The player's and staff's eyes only: null for others.")


@strawberry.type(description="An achievement unlocked.")
class AchievementDetails:
    code: str | None
    name: str | None


@strawberry.type(description="A team joined or left.")
class TeamDetails:
    team_name: str | None


ActivityDetails = Annotated[
    TournamentDetails | MatchDetails | CoinsDetails | AchievementDetails | TeamDetails,
    strawberry.union("ActivityDetails", description="What an event was about, typed by its kind."),
]


def _visible(node: ActivityNode, type_name: str, values: dict[str, Any]) -> dict[str, Any]:
    """`values` (python names) with the fields the policy does not show this viewer set to None."""
    visible = node.visible(type_name)
    return {name: (value if to_camel_case(name) in visible else None) for name, value in values.items()}


def activity_details(node: ActivityNode) -> Any:
    data = node.metadata  # already filtered: a hidden key is absent
    kind = node.event_type.value
    if kind.startswith("tournament_"):
        values = _visible(
            node,
            "TournamentDetails",
            {
                "tournament_name": data.get("tournament_name"),
                "game": data.get("game"),
                "placement": _int_or_none(data.get("placement")),
                "prize": BigInt(int(data["prize"])) if data.get("prize") is not None else None,
            },
        )
        return TournamentDetails(tournament_id=_int_or_none(data.get("tournament_id")), **values)
    if kind.startswith("match_"):
        values = _visible(
            node,
            "MatchDetails",
            {
                "tournament_name": data.get("tournament_name"),
                "round": _int_or_none(data.get("round")),
                "opponent": data.get("opponent"),
                "is_forfeit": bool(data.get("is_forfeit")),
            },
        )
        return MatchDetails(
            match_id=_int_or_none(data.get("match_id")), tournament_id=_int_or_none(data.get("tournament_id")), **values
        )
    if kind.startswith("coins_"):
        reason = data.get("reason")
        values = _visible(
            node,
            "CoinsDetails",
            {
                "amount": BigInt(int(data["amount"])) if data.get("amount") is not None else None,
                "reason": TransactionReason(reason) if reason in TransactionReason._value2member_map_ else None,
                "reference": data.get("reference"),
            },
        )
        return CoinsDetails(**values)
    if kind.startswith("achievement_"):
        values = _visible(
            node, "AchievementDetails", {"code": data.get("achievement_code"), "name": data.get("achievement_name")}
        )
        return AchievementDetails(**values)
    return TeamDetails(**_visible(node, "TeamDetails", {"team_name": data.get("team_name")}))


@strawberry.type(description="One event of a player's activity log (immutable).")
class Activity(Node):
    event_type: ActivityEventType  # type: ignore[valid-type]
    timestamp: datetime
    metadata: JSON = strawberry.field(
        deprecation_reason="An untyped bag whose keys may change: use `details`. Keys the viewer may not see "
        "(such as a prize of a private economy) are left out."
    )
    amount: BigInt | None = strawberry.field(description="DC coins moved, for economy events.")

    @strawberry.field(description="What the event was about, as a typed payload for its kind of event.")
    def details(root: ActivityNode) -> ActivityDetails:
        return activity_details(root)

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
