"""The session store: Django's cached_db, through the process-wide cache client (config/caches.py), so that a
browser's API request reads its session from Redis without opening a connection each time."""

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbSessionStore

from config.caches import shared_cache


class SessionStore(CachedDbSessionStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache = shared_cache(settings.SESSION_CACHE_ALIAS)
