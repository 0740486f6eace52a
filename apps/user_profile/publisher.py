"""Pushing committed events to live subscribers through the channel layer.

Redis at REDIS_URL (channels_redis): an event recorded by any process reaches the subscribers connected to
every other. Without REDIS_URL the layer is in this process's memory (the single-process demo): it reaches
the subscribers of this process only, and the server says so at start.

`publish` runs from `transaction.on_commit` on the writer's thread and never waits for Redis: the messages go
to a sender thread with its own event loop (Redis), or to the loop of this process's subscription hub
(memory, where the hub listens). A message lost on the way (Redis down, a full channel) delays a subscriber
until the player's next event, which carries a later stream number: the subscriber sees the gap and reads
what it missed from the database (schema/realtime/hub.py). Nothing is published twice.
"""

import asyncio
import concurrent.futures
import logging
import threading
from collections import defaultdict
from collections.abc import Coroutine, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from channels.layers import BaseChannelLayer, InMemoryChannelLayer, get_channel_layer
from django.conf import settings

if TYPE_CHECKING:
    from apps.user_profile.services.stream import StreamEvent

logger = logging.getLogger("deltacrown.realtime")

MESSAGE_TYPE = "activity.appended"


def group_name(user_id: int) -> str:
    return f"activity.user.{user_id}"


def publishing_enabled() -> bool:
    """ACTIVITY_STREAM_PUBLISH: off, events are still numbered (clients catch up on reconnect), not pushed."""
    return bool(getattr(settings, "ACTIVITY_STREAM_PUBLISH", True))


def event_message(events: Iterable["StreamEvent"]) -> dict[str, Any]:
    # msgpack (channels_redis) carries no datetimes: ISO 8601 text.
    return {
        "type": MESSAGE_TYPE,
        "events": [[e.user_id, e.seq, e.id, e.event_type, e.timestamp.isoformat(), e.metadata] for e in events],
    }


def events_of_message(message: dict[str, Any]) -> list["StreamEvent"]:
    from apps.user_profile.services.stream import StreamEvent

    return [
        StreamEvent(
            user_id=int(user_id),
            seq=int(seq),
            id=int(activity_id),
            event_type=str(event_type),
            timestamp=datetime.fromisoformat(timestamp),
            metadata=dict(metadata),
        )
        for user_id, seq, activity_id, event_type, timestamp, metadata in message.get("events", [])
    ]


_hub_loop: asyncio.AbstractEventLoop | None = None


def serve_on(loop: asyncio.AbstractEventLoop) -> None:
    """Called by this process's subscription hub: an in-memory layer is used from its loop."""
    global _hub_loop
    _hub_loop = loop


class _Sender:
    """A daemon thread running an event loop that owns this process's sending connections to Redis."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="activity-publisher", daemon=True)
        self.thread.start()


_sender: _Sender | None = None
_sender_lock = threading.Lock()


def _sender_loop() -> asyncio.AbstractEventLoop:
    global _sender
    with _sender_lock:
        if _sender is None or not _sender.thread.is_alive():
            _sender = _Sender()
        return _sender.loop


async def _send(layer: BaseChannelLayer, messages: dict[int, dict[str, Any]]) -> None:
    for user_id, message in messages.items():
        try:
            await layer.group_send(group_name(user_id), message)
        except Exception:  # a subscriber catches up from the database on the next event
            logger.warning("Publishing the events of player %s failed.", user_id, exc_info=True)


def publish(*, events: Iterable["StreamEvent"]) -> None:
    """Hand committed stream events to the channel layer, one message per player; returns at once."""
    by_user: dict[int, list[StreamEvent]] = defaultdict(list)
    for event in events:
        by_user[event.user_id].append(event)
    if not by_user:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    messages = {user_id: event_message(user_events) for user_id, user_events in by_user.items()}
    if isinstance(layer, InMemoryChannelLayer):
        loop = _hub_loop
        if loop is None or loop.is_closed():
            return  # nobody subscribes in this process, and memory reaches no other
    else:
        loop = _sender_loop()
    coroutine: Coroutine[Any, Any, None] = _send(layer, messages)
    future = asyncio.run_coroutine_threadsafe(coroutine, loop)
    _in_flight.add(future)
    future.add_done_callback(_in_flight.discard)


_in_flight: set[concurrent.futures.Future[None]] = set()


def flush(timeout: float = 5.0) -> None:
    """Wait until what was handed over so far is sent (a command that exits right after recording)."""
    concurrent.futures.wait(list(_in_flight), timeout=timeout)
