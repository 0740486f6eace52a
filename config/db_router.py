"""Where each query runs: writes on the primary, reads of the API and the pages on a read replica.

Only work that is marked replica-safe reads from a replica: the GraphQL endpoint marks a query operation of a
viewer who is not pinned (config.read_your_writes), the pages' middleware a GET of such a viewer. Everything
else (recording, reconcile, backfill, mutations, token bookkeeping, management commands) never sets the mark,
so it reads and writes on the primary, as does any read inside a transaction. One request reads from one
replica, chosen when it first reads; with no replica configured, or none usable, everything runs on the primary.

Raw SQL selectors take their connection from `read_connection()`, the ORM from the router below.
"""

from collections.abc import Generator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from config.replicas import replica_for_reads, replica_mark_down


class ReadRoute:
    """The reads of one request: whether a replica may serve them, and which one does once chosen."""

    __slots__ = ("alias", "replica_allowed")

    def __init__(self, *, replica_allowed: bool) -> None:
        self.replica_allowed = replica_allowed
        self.alias: str | None = None

    def fall_back_to_primary(self) -> None:
        self.alias = DEFAULT_DB_ALIAS


_route: ContextVar[ReadRoute | None] = ContextVar("read_route", default=None)


@contextmanager
def replica_reads(*, allowed: bool) -> Generator[ReadRoute]:
    """Reads inside the block (including in sync_to_async threads, which copy the context) may go to a replica
    when `allowed`."""
    route = ReadRoute(replica_allowed=allowed)
    token = _route.set(route)
    try:
        yield route
    finally:
        _route.reset(token)


def current_route() -> ReadRoute | None:
    return _route.get()


def read_alias() -> str:
    """The database alias reads run on right now."""
    route = _route.get()
    if route is None or not route.replica_allowed or connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    if route.alias is None:
        route.alias = replica_for_reads() or DEFAULT_DB_ALIAS
    return route.alias


def read_connection() -> BaseDatabaseWrapper:
    """The connection raw SQL reads use (the ORM's reads go through the router)."""
    return connections[read_alias()]


def route_failed_on_replica(route: ReadRoute) -> bool:
    """After an error: when the request was reading from a replica, mark the replica down, send the request's
    reads to the primary from now on, and say so (the caller then runs its read-only work again)."""
    alias = route.alias
    if alias is None or alias == DEFAULT_DB_ALIAS:
        return False
    replica_mark_down(alias)
    connections[alias].close()
    route.fall_back_to_primary()
    return True


class ReadReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # every alias holds the same data

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # replicas replay the primary's schema
