"""Read-your-writes: after a viewer writes, that viewer's reads stay on the primary for a while.

A replica may be a moment behind the primary; a player who just changed something must not read the old
state back. The pin is kept in the shared "read_pins" cache (Redis at REDIS_URL), so it holds whichever worker
process serves the viewer's next request, and whatever the client is (a browser session, an API token).
"""

import logging

from django.conf import settings
from redis.exceptions import RedisError

from config.caches import shared_cache

logger = logging.getLogger("deltacrown.replicas")

CACHE_ALIAS = "read_pins"


def _key(user_id: int) -> str:
    return f"pin:{user_id}"


def viewer_pin(*, user_id: int) -> None:
    """The viewer `user_id` has just written: read from the primary for DATABASE_READ_YOUR_WRITES_SECONDS."""
    if not settings.DATABASE_REPLICAS:
        return
    try:
        shared_cache(CACHE_ALIAS).set(_key(user_id), 1, timeout=settings.DATABASE_READ_YOUR_WRITES_SECONDS)
    except RedisError:
        logger.error("Could not pin viewer %s to the primary: the pin store did not answer.", user_id, exc_info=True)


def viewer_is_pinned(*, user_id: int | None) -> bool:
    """Whether the viewer's reads must go to the primary. Anonymous viewers write nothing, so are never
    pinned; when the pin store does not answer, every signed-in viewer reads from the primary."""
    if user_id is None or not settings.DATABASE_REPLICAS:
        return False
    try:
        return shared_cache(CACHE_ALIAS).get(_key(user_id)) is not None
    except RedisError:
        logger.error("The pin store did not answer: reading from the primary.", exc_info=True)
        return True
