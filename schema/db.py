"""The API's road to the database, and how a request that runs out of time gives its SQL up.

Resolvers and loaders reach the ORM through `run_sync`: one hop to Django's database thread per batch. While
an API request is in flight, the statements it runs are known to its `RequestDatabase`; when the deadline
passes or the client leaves, `cancel()` asks PostgreSQL to cancel the statement running at that moment
(psycopg's `cancel_safe`), and any later statement of that request is refused before it is sent.
"""

import logging
from collections.abc import Callable, Generator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")


class RequestCancelledError(Exception):
    """The request passed its deadline or its client disconnected: no more SQL for it."""


class RequestDatabase:
    """The database side of one API request."""

    __slots__ = ("_running", "cancelled", "connection_checked")

    def __init__(self) -> None:
        self.cancelled = False
        self.connection_checked = False
        self._running: Any = None  # the psycopg connection while one of our statements runs

    def cancel(self) -> None:
        self.cancelled = True
        running = self._running
        if running is not None:
            try:
                running.cancel_safe(timeout=2)
            except Exception:  # the statement may have just finished; nothing else to do
                logger.info("Cancelling a statement of an abandoned request failed.", exc_info=True)


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
    if state.cancelled:
        raise RequestCancelledError("The request was cancelled before this statement ran.")
    state._running = context["connection"].connection
    try:
        return execute(sql, params, many, context)
    finally:
        state._running = None


def _on_database_thread(function: Callable[..., T], args: Any, kwargs: Any) -> T:
    state = _current.get()
    if state is not None and not state.connection_checked:
        state.connection_checked = True
        _fresh_connection()
    if _track not in connection.execute_wrappers:
        connection.execute_wrappers.append(_track)
    return function(*args, **kwargs)


def _fresh_connection() -> None:
    """Django's per-request hygiene (its request_started signal, which the API does not send), plus a check.

    The connection this thread kept goes back to the pool and a pooled one is taken and checked. When it is
    dead (the server restarted), the pool sweeps every idle connection at once and this request continues on
    a new one: the first request after a restart succeeds. (The pool's own per-checkout check backs off a
    second per dead connection, which with a few idle ones outlasts any sensible wait.) Never inside a
    test's transaction, which closing would end.
    """
    if connection.in_atomic_block:
        return
    close_old_connections()
    if connection.settings_dict["OPTIONS"].get("pool"):
        connection.ensure_connection()
        if not connection.is_usable():
            connection.close()
            connection.pool.check()  # type: ignore[attr-defined]
            connection.ensure_connection()


# Thread-sensitive: every call runs on one thread per process, the one that owns the ORM's connection.
_database_thread = sync_to_async(_on_database_thread, thread_sensitive=True)


async def run_sync(function: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ORM work on Django's database thread, as part of the current API request."""
    return await _database_thread(function, args, kwargs)
