"""Points budgets for the GraphQL API: each viewer may spend a number of points per fixed window.

A viewer is an authenticated player (by id) or an anonymous client (by address; IPv6 by /64). Each operation
costs its static cost in points. The count lives in the "budgets" cache (Redis in production, shared by every
worker) and only moves by atomic increments: two workers charging the same viewer at once can never both see
the last points as free.

A refused request spends nothing: its points are given back at once (an atomic decrement), as GitHub does, so a
client that retries too early is not locked out for longer and a cheaper operation that still fits goes through.
"""

import math
import time
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import BaseCache
from django.core.cache.backends.redis import RedisCache

from apps.api_budget.client_address import parse_address
from config.caches import async_redis, shared_cache

CACHE_ALIAS = "budgets"
USER_PREFIX = "user:"
ANONYMOUS_PREFIX = "anon:"
# Window keys outlive their window a little, so a request that read the clock just before the end still finds
# its key (an increment of a missing key would fail, and a recreated one would have no expiry).
KEY_GRACE_SECONDS = 60


@dataclass(frozen=True)
class Budget:
    """A viewer's budget for the current window, after this request was charged (or refused)."""

    limit: int  # points per window
    cost: int  # points this request costs (0 for a look without charging)
    used: int  # points spent in the window, this request included when it was granted
    remaining: int  # limit - used, never below 0
    reset_at: datetime  # aware UTC: when the window ends and the budget is full again
    refused: bool = False  # the request did not fit in the remaining points; nothing was spent

    @property
    def exceeded(self) -> bool:
        """Whether this request was refused: the HTTP layer answers 429 RATE_LIMITED."""
        return self.refused

    @property
    def retry_after_seconds(self) -> int:
        """Whole seconds until the window resets (at least 1): the Retry-After of a refused request."""
        return max(1, math.ceil(self.reset_at.timestamp() - _now()))


def _now() -> float:
    return time.time()


def viewer_key(*, user_id: int | None, client_address: str) -> str:
    """The budget key of a viewer: "user:<id>" for a player, else "anon:<address>".

    Anonymous IPv6 clients are grouped by /64, the block a single site or host is routinely given, so rotating
    through its addresses buys no more points. An address that is not an IP (e.g. "") is "anon:unknown".
    """
    if user_id is not None:
        return f"{USER_PREFIX}{user_id}"
    address = parse_address(client_address)
    if address is None:
        return f"{ANONYMOUS_PREFIX}unknown"
    if address.version == 6:
        network = int(address) >> 64 << 64
        return f"{ANONYMOUS_PREFIX}{type(address)(network)}/64"
    return f"{ANONYMOUS_PREFIX}{address}"


def budget_limit(key: str) -> int:
    """Points per window for a viewer key: players get API_BUDGET_POINTS, anyone else the anonymous budget."""
    if key.startswith(USER_PREFIX):
        return int(settings.API_BUDGET_POINTS)
    return int(settings.API_BUDGET_ANONYMOUS_POINTS)


def _window(key: str, now: float) -> tuple[int, float]:
    """(window number, its end as epoch seconds) for a viewer at `now`.

    Windows are fixed and of API_BUDGET_WINDOW_SECONDS, shifted per viewer by a stable offset so that not
    every budget resets on the same second (which would bring every throttled client back at once).
    """
    length = int(settings.API_BUDGET_WINDOW_SECONDS)
    offset = zlib.crc32(key.encode()) % length
    number = math.floor((now - offset) / length)
    return number, number * length + offset + length


def _cache() -> BaseCache:
    return shared_cache(CACHE_ALIAS)


def _cache_key(key: str, window: int) -> str:
    prefix = getattr(settings, "API_BUDGET_KEY_PREFIX", "budget")
    return f"{prefix}:{key}:{window}"


def _budget(*, limit: int, cost: int, used: int, reset_at: float, refused: bool = False) -> Budget:
    return Budget(
        limit=limit,
        cost=cost,
        used=used,
        remaining=max(0, limit - used),
        reset_at=datetime.fromtimestamp(reset_at, tz=UTC),
        refused=refused,
    )


# One round trip, atomic: INCRBY creates the counter at 0 when absent, EXPIRE NX gives it the window's expiry
# once, and a charge over the limit is given back at once (a refused request spends nothing).
# Returns {used, refused}.
CHARGE_SCRIPT = """
local used = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX')
if used > tonumber(ARGV[3]) then
  return {redis.call('DECRBY', KEYS[1], ARGV[1]), 1}
end
return {used, 0}
"""


@dataclass(frozen=True)
class _Charge:
    """What charging one viewer now means: which counter, by how much, against which limit, until when."""

    cache: BaseCache
    cache_key: str
    cost: int
    limit: int
    reset_at: float
    timeout: int

    def script_arguments(self) -> tuple[str, int, int, int]:
        key = self.cache.make_and_validate_key(self.cache_key)
        return key, self.cost, self.timeout, self.limit

    def budget(self, used: int, refused: bool) -> Budget:
        return _budget(limit=self.limit, cost=self.cost, used=used, reset_at=self.reset_at, refused=refused)


def _charge(viewer_key: str, cost: int) -> _Charge:
    if cost <= 0:
        raise ValueError(f"A charge is positive (got {cost}).")
    now = _now()
    window, reset_at = _window(viewer_key, now)
    return _Charge(
        cache=_cache(),
        cache_key=_cache_key(viewer_key, window),
        cost=cost,
        limit=budget_limit(viewer_key),
        reset_at=reset_at,
        timeout=math.ceil(reset_at - now) + KEY_GRACE_SECONDS,
    )


def _charge_in_process(charge: _Charge) -> Budget:
    """The same charge on a process-local cache (no REDIS_URL: one process, the demo and tests)."""
    cache = charge.cache
    for _ in range(3):
        cache.add(charge.cache_key, 0, charge.timeout)  # creates the window's counter with its expiry, once
        try:
            used = int(cache.incr(charge.cache_key, charge.cost))
        except ValueError:  # evicted or expired between the two calls: create it again
            continue
        if used <= charge.limit:
            return charge.budget(used, refused=False)
        try:
            used = int(cache.decr(charge.cache_key, charge.cost))
        except ValueError:  # the window's key is gone: nothing left to give back
            used -= charge.cost
        return charge.budget(used, refused=True)
    raise RuntimeError(f"The budget counter {charge.cache_key!r} keeps disappearing.")


def budget_charge(*, viewer_key: str, cost: int) -> Budget:
    """Charge `cost` points to the viewer's current window; refused (and nothing spent) when they do not fit.

    A cost above the whole limit is always refused.
    """
    if cost < 0:
        raise ValueError(f"A cost is never negative (got {cost}).")
    if cost == 0:
        return budget_peek(viewer_key=viewer_key)
    charge = _charge(viewer_key, cost)
    if not isinstance(charge.cache, RedisCache):
        return _charge_in_process(charge)
    key, *arguments = charge.script_arguments()
    client = charge.cache._cache.get_client(write=True)
    used, refused = client.eval(CHARGE_SCRIPT, 1, key, *arguments)
    return charge.budget(int(used), refused=bool(refused))


async def budget_charge_async(*, viewer_key: str, cost: int) -> Budget:
    """`budget_charge` on the event loop: the same script through an asyncio Redis client (no thread hop)."""
    if cost <= 0:
        return budget_charge(viewer_key=viewer_key, cost=cost)  # a peek (or a ValueError): no round trip saved
    charge = _charge(viewer_key, cost)
    if not isinstance(charge.cache, RedisCache):
        return _charge_in_process(charge)  # process memory: nothing to wait for
    key, *arguments = charge.script_arguments()
    used, refused = await async_redis(charge.cache).eval(CHARGE_SCRIPT, 1, key, *arguments)
    return charge.budget(int(used), refused=bool(refused))


def budget_peek(*, viewer_key: str) -> Budget:
    """The viewer's current window without charging anything (cost 0)."""
    now = _now()
    limit = budget_limit(viewer_key)
    window, reset_at = _window(viewer_key, now)
    used = int(_cache().get(_cache_key(viewer_key, window), 0))
    return _budget(limit=limit, cost=0, used=used, reset_at=reset_at)
