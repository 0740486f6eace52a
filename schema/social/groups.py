"""`User.activityGroups`: the grouped feed (apps/user_profile/selectors/groups.py) as a Relay connection."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import strawberry
from django.contrib.auth.models import User as UserModel

from apps.privacy import policy
from apps.privacy.policy import Settings
from apps.tournaments.models import Tournament as TournamentModel
from apps.user_profile.models import UserActivity
from apps.user_profile.selectors import InvalidCursorError, InvalidPageArgumentsError
from apps.user_profile.selectors.groups import (
    DEFAULT_GROUP_MEMBERS,
    DEFAULT_TIME_ZONE,
    MAX_GROUP_MEMBERS,
    ActivityGroup,
    ActivityGroupPage,
    GroupCursor,
    activity_group_page,
)
from apps.user_profile.selectors.rows import activities_of, models_by_pk
from schema.activity.types import Activity, ActivityEventType, ActivityNode
from schema.context import Info
from schema.db import run_sync
from schema.directives import Cost, ListSize
from schema.errors import BadInputError
from schema.pagination import PageInfo, connection_of
from schema.privacy.access import settings_for_visibility
from schema.scalars import BigInt
from schema.tournaments.types import Tournament

_EVENT_TYPE = {member.value: member for member in ActivityEventType}


@strawberry.type(name="ActivityGroup", description="A run of related events of one player, folded into one item.")
class ActivityGroupType:
    # Plain attributes, set once per group (no resolver call per field on a page of groups).
    key: str = strawberry.field(
        description="Deterministic: the type, the anchor (tournament or day) and the oldest member."
    )
    event_type: ActivityEventType  # type: ignore[valid-type]
    count: int = strawberry.field(description="How many events the group folds.")
    first_at: datetime = strawberry.field(description="The oldest member's time.")
    last_at: datetime = strawberry.field(description="The newest member's time.")
    day: date | None = strawberry.field(
        description="The local day (in the page's `timeZone`) of a group folded by day, else null."
    )
    amount: BigInt | None = strawberry.field(
        description="Coin groups: the coins the members moved, as the privacy policy allows."
    )
    group: strawberry.Private[ActivityGroup]
    # What the page read with the groups (see _page_and_relations): the relations below resolve from these
    # without a loader's future and task per group; anything not read with the page goes through the loaders.
    tournament_row: strawberry.Private[TournamentModel | None] = None
    member_rows: strawberry.Private[dict[int, UserActivity] | None] = None
    member_settings: strawberry.Private[Settings | None] = None

    @classmethod
    def of(
        cls,
        group: ActivityGroup,
        *,
        shows_amount: bool,
        tournaments: dict[int, TournamentModel],
        members: dict[int, UserActivity],
        settings: Settings,
    ) -> "ActivityGroupType":
        return cls(
            key=group.key,
            event_type=_EVENT_TYPE[group.event_type],
            count=group.count,
            first_at=group.first_at,
            last_at=group.last_at,
            day=group.day,
            amount=BigInt(group.amount) if shows_amount and group.amount is not None else None,
            group=group,
            tournament_row=tournaments.get(group.tournament_id) if group.tournament_id is not None else None,
            member_rows=members,
            member_settings=settings,
        )

    @strawberry.field(
        description="The tournament a group folded by tournament is about.", directives=[Cost(weight="1")]
    )
    def tournament(self, info: Info) -> Tournament | None:
        if self.group.tournament_id is None:
            return None
        if self.tournament_row is not None:
            return self.tournament_row  # type: ignore[return-value]
        return info.context.loaders.tournament.load(self.group.tournament_id)  # type: ignore[return-value]

    @strawberry.field(
        description=f"The newest members, newest first (default {DEFAULT_GROUP_MEMBERS}, at most "
        f"{MAX_GROUP_MEMBERS}); `count` says how many there are.",
        directives=[
            ListSize(
                assumed_size=DEFAULT_GROUP_MEMBERS, slicing_arguments=["first"], require_one_slicing_argument=False
            )
        ],
    )
    def members(self, info: Info, first: int = DEFAULT_GROUP_MEMBERS) -> list[Activity]:
        if not 0 <= first <= MAX_GROUP_MEMBERS:
            raise BadInputError(f"`first` must be between 0 and {MAX_GROUP_MEMBERS}, got {first}.")
        wanted = self.group.member_ids[:first]
        rows, settings = self.member_rows, self.member_settings
        if rows is not None and settings is not None and all(pk in rows for pk in wanted):
            viewer = info.context.viewer
            return [ActivityNode(rows[pk], viewer=viewer, settings=settings) for pk in wanted]  # type: ignore[misc]
        return self._load_members(info, wanted)  # type: ignore[return-value]

    async def _load_members(self, info: Info, wanted: tuple[int, ...]) -> list[Activity]:
        context = info.context
        owner_id = self.group.owner_id
        events = await context.loaders.activity.load_many(list(wanted))
        settings = await settings_for_visibility(info, owner_id)
        return [
            ActivityNode(event, viewer=context.viewer, settings=settings)  # type: ignore[misc]
            for event in events
            if event is not None
        ]


@strawberry.type
class ActivityGroupEdge:
    cursor: str
    node: ActivityGroupType


@strawberry.type(description="A page of the grouped feed.")
class ActivityGroupConnection:
    edges: list[ActivityGroupEdge]
    page_info: PageInfo


def selections_named(selections: Iterable[Any], name: str) -> list[Any]:
    """Every selection called `name` anywhere below (fragments included): what the page will ask for."""
    found = []
    for selection in selections:
        if getattr(selection, "name", None) == name:
            found.append(selection)
        found += selections_named(getattr(selection, "selections", None) or [], name)
    return found


@dataclass(frozen=True, slots=True)
class _Prefetch:
    tournaments: bool
    members: int  # the newest members of each group to fetch with the page


def _prefetch(info: Info) -> _Prefetch:
    members = selections_named(info.selected_fields, "members")
    # Literals arrive as text, variables as numbers; only a size the members field accepts (it refuses others).
    sizes = [str(m.arguments.get("first", DEFAULT_GROUP_MEMBERS)) for m in members]
    valid = [int(size) for size in sizes if size.isdigit() and int(size) <= MAX_GROUP_MEMBERS]
    return _Prefetch(
        tournaments=bool(selections_named(info.selected_fields, "tournament")), members=max(valid, default=0)
    )


def _page_and_relations(
    prefetch: _Prefetch, **arguments: Any
) -> tuple[ActivityGroupPage, dict[int, TournamentModel], dict[int, UserActivity]]:
    """The page, and the relations its selection asks for, in one trip to the database thread."""
    page = activity_group_page(**arguments)
    tournament_ids = {g.tournament_id for g in page.items if g.tournament_id is not None}
    member_ids = [pk for g in page.items for pk in g.member_ids[: prefetch.members]]
    tournaments = models_by_pk(TournamentModel, tournament_ids) if prefetch.tournaments and tournament_ids else {}
    members = activities_of(arguments["owner_id"], member_ids) if member_ids else {}
    return page, tournaments, members


async def activity_groups_of(
    root: UserModel, info: Info, *, first: int | None, after: str | None, time_zone: str
) -> ActivityGroupConnection:
    """The resolver of User.activityGroups (the privacy guard on the field ran first)."""
    context = info.context
    settings = await settings_for_visibility(info, root.pk)
    hidden = policy.hidden_event_types(viewer=context.viewer, owner_id=root.pk, settings=settings)
    shows_amount = policy.field_visible(
        "ActivityGroup.amount", viewer=context.viewer, owner_id=root.pk, settings=settings
    )
    try:
        cursor = GroupCursor.decode(after) if after is not None else None
        page, tournaments, members = await run_sync(
            _page_and_relations,
            _prefetch(info),
            owner_id=root.pk,
            hidden_event_types=hidden,
            first=first,
            after=cursor,
            time_zone=time_zone,
        )
    except (InvalidCursorError, InvalidPageArgumentsError) as error:
        raise BadInputError(str(error)) from error
    # Primed: the groups' tournaments and members cost no second trip (the loaders fetch anything else).
    loaders = context.loaders
    loaders.tournament.prime_many(tournaments)
    loaders.activity.prime_many(members)
    edges = [
        ActivityGroupEdge(
            cursor=group.cursor,
            node=ActivityGroupType.of(
                group, shows_amount=shows_amount, tournaments=tournaments, members=members, settings=settings
            ),
        )
        for group in page.items
    ]
    return connection_of(ActivityGroupConnection, page, edges)


__all__ = ["DEFAULT_TIME_ZONE", "ActivityGroupConnection", "activity_groups_of"]
