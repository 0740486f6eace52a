"""One live subscription's events: what it missed first (from the database), then what the hub pushes.

Delivery is in stream order, and the stream numbers of a player are gapless (apps/user_profile/models/stream.py):
a pushed event whose number is not the next one means something was missed or is still on its way, and the
subscription reads everything after its cursor from the database instead, then skips whatever arrives again.
So nothing is lost or delivered twice, whatever order the processes' messages arrive in.
"""

from collections.abc import AsyncGenerator, Iterable

from apps.privacy import policy
from apps.privacy.policy import ALL_PUBLIC, Settings
from apps.privacy.selectors import privacy_settings_for
from apps.user_profile.selectors.stream import CATCH_UP_PAGE, stream_events_after, stream_head
from apps.user_profile.services.stream import StreamEvent
from schema.db import run_sync
from schema.realtime.hub import hub


async def _settings(viewer: policy.Viewer, owner_id: int) -> Settings:
    if policy.sees_everything(viewer=viewer, owner_id=owner_id):
        return ALL_PUBLIC
    return await run_sync(privacy_settings_for, user_id=owner_id)


async def stream_head_of(owner_id: int) -> int:
    return await run_sync(stream_head, user_id=owner_id)


def _shown(
    events: Iterable[StreamEvent],
    *,
    owner_id: int,
    viewer: policy.Viewer,
    settings: Settings,
    event_types: frozenset[str] | None,
) -> list[StreamEvent]:
    """The events the subscription asked for and the policy lets the viewer see (as the `activities` feed)."""
    hidden = policy.hidden_event_types(viewer=viewer, owner_id=owner_id, settings=settings)
    return [e for e in events if (event_types is None or e.event_type in event_types) and e.event_type not in hidden]


async def live_events(
    *, owner_id: int, viewer: policy.Viewer, after: int, event_types: frozenset[str] | None
) -> AsyncGenerator[tuple[StreamEvent, Settings]]:
    """The owner's events numbered above `after` as the viewer may see them, forever: (event, settings)."""
    inbox = await hub().join(user_id=owner_id, viewer=viewer)  # before reading: nothing slips in between
    cursor = after
    try:
        missed = True
        while True:
            if missed:
                while True:  # catch up from the database, a page at a time
                    page = await run_sync(stream_events_after, user_id=owner_id, after=cursor)
                    settings = await _settings(viewer, owner_id)
                    for event in _shown(
                        page, owner_id=owner_id, viewer=viewer, settings=settings, event_types=event_types
                    ):
                        yield event, settings
                    if page:
                        cursor = page[-1].seq
                    if len(page) < CATCH_UP_PAGE:
                        break
            pushed, overflowed = await inbox.take()
            missed = overflowed
            settings = inbox.settings or ALL_PUBLIC
            fresh: list[StreamEvent] = []
            for event in sorted(pushed, key=lambda e: e.seq):
                if event.seq <= cursor + len(fresh):
                    continue  # delivered already (read from the database, or pushed twice)
                if event.seq != cursor + len(fresh) + 1:
                    missed = True  # an earlier event is late or lost: the database has it
                    break
                fresh.append(event)
            for event in _shown(fresh, owner_id=owner_id, viewer=viewer, settings=settings, event_types=event_types):
                yield event, settings
            if fresh:
                cursor = fresh[-1].seq
    finally:
        await hub().leave(inbox)
