"""Read replicas: which ones may serve reads now, and how far behind the primary each one is.

Each process measures every replica at most once per DATABASE_REPLICA_CHECK_SECONDS, on its own small
connection (not the request's): the replica's replay lag, or that it does not answer. A replica that is down,
is no longer a standby, or lags past DATABASE_REPLICA_MAX_LAG_SECONDS is skipped until a later measurement
finds it healthy again. A query that fails on a replica marks it down at once (`replica_mark_down`).
"""

import logging
import math
import random
import threading
import time
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import connections

logger = logging.getLogger("deltacrown.replicas")

# Replay lag as the standby sees it. Caught up (everything received is replayed, and still streaming): 0,
# whatever the age of the last replayed transaction (an idle primary writes nothing to replay). Otherwise the
# age of the last replayed transaction; infinite when nothing was ever replayed.
LAG_SQL = """
SELECT pg_is_in_recovery(),
       CASE
         WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
              AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
         ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8, 'Infinity')
       END
"""


@dataclass
class ReplicaState:
    alias: str
    up: bool = False
    lag_seconds: float = math.inf
    checked_at: float = -math.inf  # time.monotonic() of the last measurement

    @property
    def usable(self) -> bool:
        return self.up and self.lag_seconds <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS


_states: dict[str, ReplicaState] = {}
_monitors: dict[str, psycopg.Connection] = {}
_lock = threading.Lock()


def replica_aliases() -> list[str]:
    return list(settings.DATABASE_REPLICAS)


def _measure(alias: str) -> tuple[bool, float]:
    """(up, lag in seconds) of one replica, on this process's monitoring connection to it."""
    monitor = _monitors.get(alias)
    try:
        if monitor is None or monitor.closed:
            params = connections[alias].get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            params.pop("prepare_threshold", None)
            params["connect_timeout"] = settings.DATABASE_REPLICA_CONNECT_TIMEOUT
            monitor = psycopg.connect(**params, autocommit=True)
            _monitors[alias] = monitor
        row = monitor.execute(LAG_SQL).fetchone()
    except psycopg.Error:
        logger.warning("Read replica %s does not answer: reads go elsewhere until it does.", alias)
        if monitor is not None:
            monitor.close()
        _monitors.pop(alias, None)
        return False, math.inf
    assert row is not None
    in_recovery, lag = row
    if not in_recovery:
        logger.error("Read replica %s is no longer a standby (promoted?): it is not read from.", alias)
        return False, math.inf
    return True, float(lag)


def replica_states(*, max_age: float | None = None) -> list[ReplicaState]:
    """Every configured replica's state, measured again when older than `max_age` seconds (default
    DATABASE_REPLICA_CHECK_SECONDS). One thread measures; the others meanwhile use the last measurement."""
    max_age = settings.DATABASE_REPLICA_CHECK_SECONDS if max_age is None else max_age
    now = time.monotonic()
    states = [_states.setdefault(alias, ReplicaState(alias)) for alias in replica_aliases()]
    stale = [state for state in states if now - state.checked_at > max_age]
    if stale and _lock.acquire(blocking=False):
        try:
            for state in stale:
                state.up, state.lag_seconds = _measure(state.alias)
                state.checked_at = time.monotonic()
        finally:
            _lock.release()
    return states


def replica_for_reads() -> str | None:
    """A usable replica's alias (chosen at random among them, spreading the load), or None."""
    usable = [state.alias for state in replica_states() if state.usable]
    return random.choice(usable) if usable else None


def replica_mark_down(alias: str) -> None:
    """A query failed on `alias`: skip it until its next measurement says otherwise."""
    state = _states.setdefault(alias, ReplicaState(alias))
    state.up = False
    state.checked_at = time.monotonic()
    logger.warning("A query failed on read replica %s: skipping it for now.", alias)


def replica_states_forget() -> None:
    """Forget every measurement (tests, and after the configuration changes)."""
    with _lock:
        _states.clear()
        for monitor in _monitors.values():
            monitor.close()
        _monitors.clear()
