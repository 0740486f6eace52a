"""This process's one listener on the channel layer, shared by every live subscription the process serves.

The hub holds one channel on the layer and joins it to the group of each player someone here subscribes to,
so an event reaches a process once, however many of its subscriptions watch that player; the hub then hands
it to each of them (`Inbox`). With the events it passes the player's privacy settings as they are now, read
once per message for all the subscriptions that need them.
"""

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence

from channels.layers import BaseChannelLayer, get_channel_layer

from apps.privacy import policy
from apps.privacy.policy import ALL_PUBLIC, Settings
from apps.privacy.selectors import privacy_settings_for
from apps.user_profile import publisher
from apps.user_profile.services.stream import StreamEvent
from schema.db import run_sync

logger = logging.getLogger("deltacrown.realtime")

# Past this many undelivered events an inbox drops them and its subscription re-reads from the database.
MAX_PENDING = 1_000
# Group memberships expire in Redis (group_expiry): the hub renews its own well before.
GROUP_RENEW_SECONDS = 3_600


class Inbox:
    """What the hub has received for one subscription and it has not taken yet."""

    __slots__ = ("overflowed", "pending", "settings", "user_id", "viewer", "wake")

    def __init__(self, user_id: int, viewer: policy.Viewer) -> None:
        self.user_id = user_id
        self.viewer = viewer
        self.pending: list[StreamEvent] = []
        self.overflowed = False
        self.settings: Settings | None = None
        self.wake = asyncio.Event()

    @property
    def needs_settings(self) -> bool:
        return not policy.sees_everything(viewer=self.viewer, owner_id=self.user_id)

    def push(self, events: Sequence[StreamEvent], settings: Settings) -> None:
        self.settings = settings
        if len(self.pending) + len(events) > MAX_PENDING:
            self.pending.clear()
            self.overflowed = True
        else:
            self.pending.extend(events)
        self.wake.set()

    async def take(self) -> tuple[list[StreamEvent], bool]:
        """The events received since the last take (waiting for some), and whether some were dropped."""
        await self.wake.wait()
        self.wake.clear()
        events, self.pending = self.pending, []
        overflowed, self.overflowed = self.overflowed, False
        return events, overflowed


class Hub:
    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.channel: str | None = None
        self.inboxes: dict[int, set[Inbox]] = defaultdict(set)
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def subscriptions(self) -> int:
        return sum(len(inboxes) for inboxes in self.inboxes.values())

    async def join(self, *, user_id: int, viewer: policy.Viewer) -> Inbox:
        """An inbox for the events of `user_id` published from now on."""
        inbox = Inbox(user_id, viewer)
        async with self._lock:
            if self.channel is None:
                self.channel = await self.layer.new_channel("activity-hub.")
                self._task = asyncio.create_task(self._listen(), name="activity-hub")
            if not self.inboxes.get(user_id):
                await self.layer.group_add(publisher.group_name(user_id), self.channel)
            self.inboxes[user_id].add(inbox)
        return inbox

    async def leave(self, inbox: Inbox) -> None:
        async with self._lock:
            inboxes = self.inboxes.get(inbox.user_id)
            if inboxes is None:
                return
            inboxes.discard(inbox)
            if not inboxes and self.channel is not None:
                del self.inboxes[inbox.user_id]
                try:
                    await self.layer.group_discard(publisher.group_name(inbox.user_id), self.channel)
                except Exception:  # the membership expires on its own
                    logger.info("Leaving the group of player %s failed.", inbox.user_id, exc_info=True)

    async def _listen(self) -> None:
        assert self.channel is not None
        renewing = asyncio.create_task(self._renew_groups(), name="activity-hub-renew")
        try:
            while True:
                try:
                    message = await self.layer.receive(self.channel)
                except Exception as error:  # Redis away: retry; subscriptions catch up on the next event
                    logger.warning("The activity hub could not receive (%r); retrying in a second.", error)
                    await asyncio.sleep(1)
                    continue
                if message.get("type") != publisher.MESSAGE_TYPE:
                    continue
                try:
                    await self._deliver(publisher.events_of_message(message))
                except Exception:
                    logger.exception("Delivering live events failed.")
        finally:
            renewing.cancel()

    async def _deliver(self, events: list[StreamEvent]) -> None:
        by_user: dict[int, list[StreamEvent]] = defaultdict(list)
        for event in events:
            by_user[event.user_id].append(event)
        for user_id, user_events in by_user.items():
            inboxes = list(self.inboxes.get(user_id, ()))
            if not inboxes:
                continue
            # The settings as they are when the event arrives, once for every subscription that needs them.
            needed = any(inbox.needs_settings for inbox in inboxes)
            settings = await run_sync(privacy_settings_for, user_id=user_id) if needed else ALL_PUBLIC
            for inbox in inboxes:
                inbox.push(user_events, settings)

    async def _renew_groups(self) -> None:
        """Group memberships expire in Redis (group_expiry): renewed well before, while someone listens."""
        while True:
            await asyncio.sleep(GROUP_RENEW_SECONDS)
            for user_id in list(self.inboxes):
                try:
                    await self.layer.group_add(publisher.group_name(user_id), self.channel)
                except Exception as error:
                    logger.warning("Renewing the group of player %s failed (%r).", user_id, error)


_hubs: dict[asyncio.AbstractEventLoop, Hub] = {}


def hub() -> Hub:
    """The hub of the running event loop (one per server process)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        for old in [old for old in _hubs if old.is_closed()]:
            del _hubs[old]
        layer = get_channel_layer()
        if layer is None:
            raise RuntimeError("CHANNEL_LAYERS is not configured: live subscriptions need a channel layer.")
        found = _hubs[loop] = Hub(layer)
        publisher.serve_on(loop)
    return found
