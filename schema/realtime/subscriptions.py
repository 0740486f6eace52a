"""The Subscription type: a player's new events, live, resumable by cursor without a gap or a repeat."""

from collections.abc import AsyncGenerator, AsyncIterator
from typing import Annotated

import strawberry

from apps.privacy import policy
from apps.user_profile.selectors import InvalidCursorError, InvalidPageArgumentsError, feed_event_types
from schema.activity.types import ActivityEventType, ActivityNode
from schema.context import Info
from schema.dataloaders import Loaders
from schema.directives import Cost
from schema.errors import BadInputError, NotFoundError, UnauthenticatedError
from schema.node import pk_from_global_id
from schema.realtime.cursor import StreamCursor
from schema.realtime.stream import live_events, stream_head_of
from schema.users.types import Activity

AFTER_HELP = (
    "The `cursor` of the last event received: the events after it come first, then live ones. Omitted: "
    "only events recorded from now on."
)


@strawberry.type(description="An event pushed to a live subscription.")
class ActivityStreamEdge:
    cursor: str = strawberry.field(
        description="Pass it as `after` when resubscribing to receive exactly the events after this one."
    )
    node: Activity


def _bad_input(error: Exception) -> BadInputError:
    return BadInputError(str(error))


async def _subscribe(
    info: Info,
    *,
    owner_id: int,
    event_types: list[ActivityEventType] | None,  # type: ignore[valid-type]
    after: str | None,
) -> AsyncIterator[ActivityStreamEdge]:
    """Checks the arguments before anything is sent (a bad one is an error of the subscribe message), then
    returns the stream."""
    try:
        types = feed_event_types(t.value for t in event_types) if event_types is not None else None  # type: ignore[attr-defined]
        cursor = StreamCursor.decode(after) if after is not None else None
    except (InvalidCursorError, InvalidPageArgumentsError) as error:
        raise _bad_input(error) from error
    head = await stream_head_of(owner_id)
    if cursor is not None and (cursor.user_id != owner_id or cursor.seq > head):
        raise BadInputError("This cursor is not from this player's stream: pass a cursor this subscription sent.")
    start = cursor.seq if cursor is not None else head
    return _edges(info, owner_id=owner_id, after=start, event_types=frozenset(types) if types is not None else None)


async def _edges(
    info: Info, *, owner_id: int, after: int, event_types: frozenset[str] | None
) -> AsyncGenerator[ActivityStreamEdge]:
    context = info.context
    async for event, settings in live_events(
        owner_id=owner_id, viewer=context.viewer, after=after, event_types=event_types
    ):
        # Each event is its own little operation: fresh loaders, so nothing is cached for the connection's life.
        context.loaders = Loaders(viewer_id=context.viewer_id, viewer_is_staff=context.viewer_is_staff)
        node = ActivityNode(event.as_activity(), viewer=context.viewer, settings=settings)
        yield ActivityStreamEdge(cursor=StreamCursor(user_id=owner_id, seq=event.seq).encode(), node=node)  # type: ignore[arg-type]


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="A player's events as they are recorded, oldest first, as the `activities` feed shows them "
        "to the viewer (economy events only to the player and staff unless public). Each comes with a cursor; "
        "resubscribing with `after` delivers what was missed, then live events, none twice.",
        directives=[Cost(weight="1")],
    )
    async def activity_added(
        self,
        info: Info,
        user_id: strawberry.ID,
        event_types: list[ActivityEventType] | None = None,  # type: ignore[valid-type]
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> AsyncGenerator[ActivityStreamEdge]:
        owner_id = pk_from_global_id(user_id, expected_type="User")
        if await info.context.loaders.user.load(owner_id) is None:
            raise NotFoundError(f"No player with id {user_id}.")
        return await _subscribe(info, owner_id=owner_id, event_types=event_types, after=after)  # type: ignore[return-value]

    @strawberry.subscription(
        description="The signed-in player's own events as they are recorded, every type included; like "
        "`activityAdded` for the viewer.",
        directives=[Cost(weight="1")],
    )
    async def my_activity(
        self,
        info: Info,
        event_types: list[ActivityEventType] | None = None,  # type: ignore[valid-type]
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> AsyncGenerator[ActivityStreamEdge]:
        viewer = info.context.viewer
        if not policy.field_visible(
            "Subscription.myActivity", viewer=viewer, owner_id=viewer.id, settings=policy.DEFAULT_SETTINGS
        ):
            raise UnauthenticatedError("myActivity needs a signed-in player: a token in connection_init, or a session.")
        assert viewer.id is not None
        return await _subscribe(info, owner_id=viewer.id, event_types=event_types, after=after)  # type: ignore[return-value]
