"""The live transports' limits (settings, with these defaults), who is counted against them, and the shared
count of each viewer's open subscriptions."""

import asyncio
import logging
import math
import uuid
import weakref
from collections import Counter, defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed
from redis.exceptions import RedisError

from config.caches import async_redis, shared_cache

logger = logging.getLogger("deltacrown.realtime")


@dataclass(frozen=True, slots=True)
class Limits:
    per_connection: int  # subscriptions open at once on one WebSocket
    per_viewer: int  # subscriptions open at once by one viewer over every server process and connection
    init_timeout: float  # seconds a WebSocket may take to send connection_init
    keepalive: float  # seconds between the server's pings (WebSocket) or comments (SSE)
    idle_timeout: float  # seconds a WebSocket may stay open without a subscription
    max_message_bytes: int
    lease: float  # seconds a subscription's place in its viewer's count lasts in Redis unless renewed


def limits() -> Limits:
    return Limits(
        per_connection=int(getattr(settings, "REALTIME_MAX_SUBSCRIPTIONS_PER_CONNECTION", 10)),
        per_viewer=int(getattr(settings, "REALTIME_MAX_SUBSCRIPTIONS_PER_VIEWER", 50)),
        init_timeout=float(getattr(settings, "REALTIME_INIT_TIMEOUT_SECONDS", 5)),
        keepalive=float(getattr(settings, "REALTIME_KEEPALIVE_SECONDS", 15)),
        idle_timeout=float(getattr(settings, "REALTIME_IDLE_TIMEOUT_SECONDS", 60)),
        max_message_bytes=int(getattr(settings, "REALTIME_MAX_MESSAGE_BYTES", 64 * 1024)),
        lease=float(getattr(settings, "REALTIME_SUBSCRIPTION_LEASE_SECONDS", 60)),
    )


# --- the per-viewer limit -----------------------------------------------------------------------------------
#
# Every open subscription holds a slot of its viewer; a viewer holds at most `per_viewer` at once, over all the
# server's processes. Two stores, chosen once per process by the rate-limit cache ("budgets", as the API budgets):
#
# - Redis (REDIS_URL set): per viewer a sorted set of leases, member = a slot id, score = when the lease expires
#   (ms, Redis's clock). Taking a slot is one atomic script (TAKE_SCRIPT); giving it back is a ZREM. Each process
#   renews the leases it holds every third of the lease (one pipelined script per viewer, RENEW_SCRIPT), so the
#   slots of a process that dies without giving them back (a crash, a SIGKILL) expire by themselves within one
#   lease (REALTIME_SUBSCRIPTION_LEASE_SECONDS) instead of locking the viewer out.
# - This process's memory (no REDIS_URL: the single-process demo): a counter per viewer.
#
# Redis not answering when a slot is taken raises SlotsUnavailable: the transports refuse the subscription with
# SERVICE_UNAVAILABLE (fail closed). Unlike an HTTP query, which runs unmetered when the budget store is down, a
# live subscription needs that same Redis to receive anything (the channel layer), so refusing it with a clear
# "retry later" costs nothing that would have worked. Renewals and give-backs that fail are logged and retried
# or left to expire.

SLOTS_CACHE_ALIAS = "budgets"

# KEYS[1] the viewer's leases; ARGV: slot id, maximum, lease (ms). Drops the expired leases, refuses at the
# maximum, else adds this one; the key expires with its last lease. Returns 1 when taken, 0 when refused.
TAKE_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], math.ceil(tonumber(last[2])))
return 1
"""

# KEYS[1] the viewer's leases; ARGV: lease (ms), then the ids of the slots this process still holds. Drops the
# expired leases and extends these; a lease that had lapsed (its process stalled or lost Redis for longer than
# the lease) is added again, since its subscription is still open. Returns the ids of those.
RENEW_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local lapsed = {}
for i = 2, #ARGV do
  if redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) == 1 then
    table.insert(lapsed, ARGV[i])
  end
end
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if last[2] then
  redis.call('PEXPIREAT', KEYS[1], math.ceil(tonumber(last[2])))
end
return lapsed
"""


# What a client is told when its subscription cannot be counted (with SERVICE_UNAVAILABLE).
SLOTS_UNAVAILABLE = "Live subscriptions are unavailable right now (the shared store does not answer); retry later."


class SlotsUnavailable(Exception):
    """The shared store of the per-viewer limit (Redis) did not answer: the subscription cannot be counted."""


class Slot:
    """One open subscription's place in its viewer's count, given back once: by `give_back` (which waits until
    the store has it) or by `release` (which does not wait: for a task's done callback); whichever comes second
    does nothing."""

    __slots__ = ("_give_back",)

    def __init__(self, give_back: Callable[[], Coroutine[Any, Any, None] | None]) -> None:
        # Forgets the slot at once; returns what is left to do in the store (Redis), if anything.
        self._give_back: Callable[[], Coroutine[Any, Any, None] | None] | None = give_back

    async def give_back(self) -> None:
        give_back, self._give_back = self._give_back, None
        removal = give_back() if give_back is not None else None
        if removal is not None:
            await removal

    def release(self) -> None:
        give_back, self._give_back = self._give_back, None
        removal = give_back() if give_back is not None else None
        if removal is not None:
            _in_background(removal)


_background: set[asyncio.Task[None]] = set()


def _in_background(removal: Coroutine[Any, Any, None]) -> None:
    """Runs a removal on a task of its own (kept referenced until it is done)."""
    try:
        task = asyncio.get_running_loop().create_task(removal)
    except RuntimeError:  # no loop any more (a process shutting down): the leases expire
        removal.close()
        return
    _background.add(task)
    task.add_done_callback(_background.discard)


class ViewerSlots(Protocol):
    async def take(self, viewer: str, maximum: int) -> Slot | None:
        """A slot of `viewer` when fewer than `maximum` are held; None when the viewer is at the maximum.
        SlotsUnavailable when the store does not answer."""
        ...


class ProcessSlots:
    """The slots held in this process only (no REDIS_URL): N worker processes would allow N times the limit."""

    def __init__(self) -> None:
        self.open: Counter[str] = Counter()

    async def take(self, viewer: str, maximum: int) -> Slot | None:
        if self.open[viewer] >= maximum:
            return None
        self.open[viewer] += 1
        return Slot(lambda: self._give_back(viewer))

    def _give_back(self, viewer: str) -> None:  # nothing left to do afterwards
        self.open[viewer] -= 1
        if self.open[viewer] <= 0:
            del self.open[viewer]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _lease_ms() -> int:
    return max(1, math.ceil(limits().lease * 1000))


class RedisSlots:
    """The slots of every process, as leases in Redis (the rate-limit cache's server), taken and given back on
    the event loop through its asyncio client (no thread hop)."""

    def __init__(self, cache: RedisCache) -> None:
        self.cache = cache
        self._leases: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Leases] = weakref.WeakKeyDictionary()

    def key(self, viewer: str) -> str:
        """The viewer's sorted set: dc:1:<REALTIME_SUBSCRIPTIONS_KEY_PREFIX>:<viewer key>."""
        prefix = getattr(settings, "REALTIME_SUBSCRIPTIONS_KEY_PREFIX", "subscriptions")
        return str(self.cache.make_and_validate_key(f"{prefix}:{viewer}"))

    def client(self) -> Any:
        return async_redis(self.cache)

    async def take(self, viewer: str, maximum: int) -> Slot | None:
        key = self.key(viewer)
        slot_id = uuid.uuid4().hex
        try:
            taken = await self.client().eval(TAKE_SCRIPT, 1, key, slot_id, maximum, _lease_ms())
        except RedisError as error:
            raise SlotsUnavailable(str(error)) from error
        if not taken:
            return None
        leases = self._leases_here()
        leases.hold(key, slot_id)
        return Slot(lambda: leases.give_back(key, slot_id))

    def held(self) -> dict[str, set[str]]:
        """The leases held on the running event loop (this process), by viewer key."""
        return {key: set(ids) for key, ids in self._leases_here().held.items()}

    def _leases_here(self) -> "_Leases":
        loop = asyncio.get_running_loop()
        leases = self._leases.get(loop)
        if leases is None:
            leases = self._leases[loop] = _Leases(self)
        return leases


class _Leases:
    """The leases one event loop (one server process) holds, renewed while it holds any. It keeps no reference
    to its loop once its tasks are done (it is the loop's value in a WeakKeyDictionary)."""

    def __init__(self, slots: RedisSlots) -> None:
        self.slots = slots
        self.held: defaultdict[str, set[str]] = defaultdict(set)
        self.renewing: asyncio.Task[None] | None = None

    def hold(self, key: str, slot_id: str) -> None:
        self.held[key].add(slot_id)
        if self.renewing is None or self.renewing.done():
            self.renewing = asyncio.get_running_loop().create_task(self._renew_while_held(), name="subscription-leases")
            self.renewing.add_done_callback(self._renewal_ended)

    def _renewal_ended(self, task: asyncio.Task[None]) -> None:
        if self.renewing is task:
            self.renewing = None

    def give_back(self, key: str, slot_id: str) -> Coroutine[Any, Any, None]:
        """Stops renewing the lease at once; returns its removal from Redis (a removal that fails, or never runs,
        leaves the lease to expire)."""
        ids = self.held.get(key)
        if ids is not None:
            ids.discard(slot_id)
            if not ids:
                del self.held[key]
        return self._zrem([(key, slot_id)])

    async def _zrem(self, leases: list[tuple[str, str]]) -> None:
        try:
            async with self.slots.client().pipeline(transaction=False) as pipe:
                for key, slot_id in leases:
                    pipe.zrem(key, slot_id)
                await pipe.execute()
        except Exception as error:
            logger.warning("Giving back %d subscription slots failed (%r): their leases expire.", len(leases), error)

    async def _renew_while_held(self) -> None:
        while self.held:
            await asyncio.sleep(limits().lease / 3)
            if not self.held:
                return
            held = {key: list(ids) for key, ids in self.held.items()}
            try:
                async with self.slots.client().pipeline(transaction=False) as pipe:
                    lease_ms = _lease_ms()
                    for key, ids in held.items():
                        pipe.eval(RENEW_SCRIPT, 1, key, lease_ms, *ids)
                    replies = await pipe.execute()
            except Exception as error:  # Redis away: the next round tries again (a lease lasts three rounds)
                logger.warning("Renewing the subscription leases of %d viewers failed (%r).", len(held), error)
                continue
            added = [(key, _text(i)) for key, ids in zip(held, replies, strict=True) for i in ids]
            # A slot given back while the renewal was on its way may have been removed before the renewal ran,
            # then added again by it: remove those once more, now that the renewal is done.
            stale = [(key, i) for key, i in added if i not in self.held.get(key, ())]
            if stale:
                _in_background(self._zrem(stale))
            if lapsed := len(added) - len(stale):
                logger.warning(
                    "%d subscription leases had expired before their renewal (this process stalled or lost Redis "
                    "for longer than REALTIME_SUBSCRIPTION_LEASE_SECONDS); they are counted again.",
                    lapsed,
                )


@cache
def viewer_slots() -> ViewerSlots:
    """The store of the per-viewer limit, chosen once per process: Redis when the rate-limit cache is Redis."""
    store = shared_cache(SLOTS_CACHE_ALIAS)
    if isinstance(store, RedisCache):
        return RedisSlots(store)
    return ProcessSlots()


def _forget_on_settings_change(*, setting: str, **kwargs: object) -> None:
    if setting in {"CACHES", "REDIS_URL"}:  # tests that override them get the store of the new configuration
        viewer_slots.cache_clear()


setting_changed.connect(_forget_on_settings_change)


@dataclass(frozen=True, slots=True)
class OriginCheck:
    allowed: bool  # may connect at all
    cookies: bool  # may be signed in by its session cookie


def origin_check(*, origin: str | None, host: str | None) -> OriginCheck:
    """A browser sends its page's Origin, and its cookies whoever's page it is: the session cookie signs in only
    a page of this site or of an origin listed with credentials (CORS_ALLOWED_ORIGINS); other pages may not
    connect at all unless "*" is listed, and then without cookies. Clients without Origin are not browsers."""
    if origin is None:
        return OriginCheck(allowed=True, cookies=True)
    if host is not None and urlsplit(origin).netloc == host:
        return OriginCheck(allowed=True, cookies=True)
    listed = settings.CORS_ALLOWED_ORIGINS
    if origin in listed:
        return OriginCheck(allowed=True, cookies=settings.CORS_ALLOW_CREDENTIALS)
    if "*" in listed:
        return OriginCheck(allowed=True, cookies=False)
    return OriginCheck(allowed=False, cookies=False)
