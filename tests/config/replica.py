"""The streaming replica the replica tests read from (scripts/ensure-replica.sh), and ways to hold it back."""

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.db import connections

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "ensure-replica.sh"
PORT = os.environ.get("REPLICA_PORT", "5433")
CLUSTER = os.environ.get("REPLICA_CLUSTER", "replica")


def ensure_replica_or_skip() -> None:
    primary = connections["default"].settings_dict
    where = f"{primary['HOST']}:{primary['PORT'] or 5432}"
    if where not in {"127.0.0.1:5432", "localhost:5432"}:
        # (the replica at REPLICA_PORT is made from, and follows, the machine's cluster only)
        pytest.skip(f"The replica tests need the machine's PostgreSQL cluster at 127.0.0.1:5432; these run on {where}.")
    environment = {**os.environ, "REPLICA_PORT": PORT}
    result = subprocess.run([str(SCRIPT)], capture_output=True, text=True, timeout=900, check=False, env=environment)
    if result.returncode != 0:
        pytest.skip(f"No streaming replica could be made ({SCRIPT.name}): {result.stderr.strip()}")


def replica_admin() -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=PORT, user="postgres", dbname="postgres", autocommit=True)


def wait_until_replayed(*, timeout: float = 180) -> None:
    """Until the replica has replayed everything the primary has written so far."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (target,) = cursor.fetchone()
    deadline = time.monotonic() + timeout
    with replica_admin() as admin:
        while time.monotonic() < deadline:
            row = admin.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]).fetchone()
            if row is not None and row[0]:
                return
            time.sleep(0.05)
    raise AssertionError(f"The replica did not replay up to {target} within {timeout} s.")


@contextmanager
def replay_paused() -> Iterator[None]:
    """The replica keeps receiving WAL but applies none of it inside the block: it falls behind."""
    with replica_admin() as admin:
        admin.execute("SELECT pg_wal_replay_pause()")
        try:
            yield
        finally:
            admin.execute("SELECT pg_wal_replay_resume()")


def replica_stop() -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", "15", CLUSTER, "stop", "-m", "fast"], check=True, timeout=60
    )


def replica_start() -> None:
    subprocess.run([str(SCRIPT)], check=True, timeout=900, capture_output=True)
