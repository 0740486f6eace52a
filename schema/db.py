"""The API's road to the database, and how a request that runs out of time gives its SQL up.

Resolvers and loaders reach the ORM through `run_sync`: one hop to Django's database thread per batch. While
an API request is in flight, the statements it runs are known to its `RequestDatabase`; when the deadline
passes or the client leaves, `cancel()` asks PostgreSQL to cancel the statement running at that moment
(psycopg's `cancel_safe`), and any later statement of that request is refused before it is sent.
"""

import asyncio
import contextvars
import logging
import threading
from collections.abc import Callable, Generator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import AsyncToSync, SyncToAsync, sync_to_async
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, connection, connections

from config.db_router import current_route, route_failed_on_replica

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class RequestCancelledError(Exception):
    """The request passed its deadline or its client disconnected: no more SQL for it."""


class RequestDatabase:
    """The database side of one API request."""

    __slots__ = ("_running", "cancelled")

    def __init__(self) -> None:
        self.cancelled = False
        self._running: Any = None  # the psycopg connection while one of our statements runs

    def cancel(self) -> None:
        # PostgreSQL cancels whatever its backend runs when the cancel arrives, and every request shares the
        # database thread's connection: the statement must not end (letting another request's start) between
        # reading it here and the cancel's delivery. Under _STATEMENTS the statement either is still ours when
        # the cancel arrives, or ended before and the idle backend ignores it; the next one waits for the lock.
        with _STATEMENTS:
            self.cancelled = True
            running = self._running
            if running is not None:
                try:
                    running.cancel_safe(timeout=2)
                except Exception:  # the statement may have just finished; nothing else to do
                    logger.info("Cancelling a statement of an abandoned request failed.", exc_info=True)


# Held while a request's statement starts or ends, and while a cancel is sent (RequestDatabase.cancel).
_STATEMENTS = threading.Lock()

_current: ContextVar[RequestDatabase | None] = ContextVar("request_database", default=None)


@contextmanager
def request_database() -> Generator[RequestDatabase]:
    """Marks the SQL run inside the block (including in sync_to_async threads, which copy the context)."""
    state = RequestDatabase()
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


def _track(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    state = _current.get()
    if state is None:
        return execute(sql, params, many, context)
    with _STATEMENTS:
        if state.cancelled:
            raise RequestCancelledError("The request was cancelled before this statement ran.")
        state._running = context["connection"].connection
    try:
        return execute(sql, params, many, context)
    finally:
        with _STATEMENTS:
            state._running = None


def _on_database_thread(function: Callable[..., T], args: Any, kwargs: Any) -> T:
    for alias in (DEFAULT_DB_ALIAS, *settings.DATABASE_REPLICAS):
        wrappers = connections[alias].execute_wrappers
        if _track not in wrappers:
            wrappers.append(_track)
    try:
        return function(*args, **kwargs)
    except (DatabaseError, InterfaceError):
        route = current_route()
        if route is not None and route_failed_on_replica(route):
            # The replica went away under this read: it runs again, on the primary (reads only go to replicas).
            return function(*args, **kwargs)
        if not _replace_dead_connection():
            raise
    # The connection was dead before this work began (the server restarted): nothing of it ran, so it runs
    # again, once, on a fresh connection. The first request after a restart succeeds.
    return function(*args, **kwargs)


def _replace_dead_connection() -> bool:
    """After an error: when the thread's connection is dead, drop it and every dead one the pool holds.

    The database thread keeps its connection between requests (no checkout and check per request); a dead
    one is found by the error it causes. The pool sweeps its idle connections at once, where its own
    per-checkout check would back off a second per dead connection. Never inside a transaction (a test's
    included), whose work would be lost with the connection.
    """
    if connection.in_atomic_block or connection.connection is None or connection.is_usable():
        return False
    logger.warning("The database connection was dead (a server restart?): reconnecting.")
    connection.close()
    pool = getattr(connection, "pool", None)
    if pool is not None:
        pool.check()
    return True


# Thread-sensitive: every call runs on one thread per process, the one that owns the ORM's connection.
_database_thread = sync_to_async(_on_database_thread, thread_sensitive=True)


async def run_sync(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ORM work on Django's database thread, as part of the current API request.

    Under a server that thread is asgiref's single thread for thread-sensitive work (the one Django's own
    sync_to_async uses), reached directly: asgiref's general machinery costs about 0.1 ms a call, as much as
    a small query. Under async_to_sync (a test, a management command) the caller's thread owns the
    connection, and asgiref routes there.
    """
    if getattr(AsyncToSync.executors, "current", None) is not None:
        return await _database_thread(function, args, kwargs)
    call = partial(contextvars.copy_context().run, _on_database_thread, function, args, kwargs)
    return await asyncio.get_running_loop().run_in_executor(SyncToAsync.single_thread_executor, call)
