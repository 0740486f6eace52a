"""The endpoint's side of read-your-writes (config/read_your_writes.py): a viewer's mutation pins the viewer's
reads to the primary; a pinned viewer's queries read from it."""

from asgiref.sync import sync_to_async
from django.conf import settings

from config.read_your_writes import viewer_is_pinned, viewer_pin

# Not on the database thread: a pin is a cache round trip that must not queue behind the ORM.
_is_pinned = sync_to_async(viewer_is_pinned, thread_sensitive=False)
_pin = sync_to_async(viewer_pin, thread_sensitive=False)


async def viewer_reads_from_primary(*, user_id: int | None) -> bool:
    if user_id is None or not settings.DATABASE_REPLICAS:
        return False  # no round trip when there is nothing to choose or nobody to pin
    return await _is_pinned(user_id=user_id)


async def viewer_wrote(*, user_id: int) -> None:
    if settings.DATABASE_REPLICAS:
        await _pin(user_id=user_id)
