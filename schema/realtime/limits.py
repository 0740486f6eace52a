"""The live transports' limits (settings, with these defaults) and who is counted against them."""

from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings


@dataclass(frozen=True, slots=True)
class Limits:
    per_connection: int  # subscriptions open at once on one WebSocket
    per_viewer: int  # subscriptions open at once by one viewer in one server process (all its connections)
    init_timeout: float  # seconds a WebSocket may take to send connection_init
    keepalive: float  # seconds between the server's pings (WebSocket) or comments (SSE)
    idle_timeout: float  # seconds a WebSocket may stay open without a subscription
    max_message_bytes: int


def limits() -> Limits:
    return Limits(
        per_connection=int(getattr(settings, "REALTIME_MAX_SUBSCRIPTIONS_PER_CONNECTION", 10)),
        per_viewer=int(getattr(settings, "REALTIME_MAX_SUBSCRIPTIONS_PER_VIEWER", 50)),
        init_timeout=float(getattr(settings, "REALTIME_INIT_TIMEOUT_SECONDS", 5)),
        keepalive=float(getattr(settings, "REALTIME_KEEPALIVE_SECONDS", 15)),
        idle_timeout=float(getattr(settings, "REALTIME_IDLE_TIMEOUT_SECONDS", 60)),
        max_message_bytes=int(getattr(settings, "REALTIME_MAX_MESSAGE_BYTES", 64 * 1024)),
    )


class ViewerSlots:
    """Open subscriptions per viewer in this process (the per-viewer limit)."""

    def __init__(self) -> None:
        self.open: Counter[str] = Counter()

    def take(self, key: str, maximum: int) -> bool:
        if self.open[key] >= maximum:
            return False
        self.open[key] += 1
        return True

    def give_back(self, key: str) -> None:
        self.open[key] -= 1
        if self.open[key] <= 0:
            del self.open[key]


VIEWER_SLOTS = ViewerSlots()


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
