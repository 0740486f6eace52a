"""The backfill's physical floor: the same events written by `COPY` into an empty twin of the activity log.

The twin has the log's columns, hash partitions, indexes (expression ones included) and foreign keys, so it
pays the same index and constraint work per row; not its statement triggers (one setting read per statement).
As many processes as the backfill had shards each copy their shard's events (players with id % n == k - 1), in
user order as the backfill inserts them, in one transaction. Each process reads its rows out of the log
before the common start; the clock runs from that start to the last commit. The twin is dropped afterwards.
"""

import io
import multiprocessing
import time
from typing import Any

import psycopg

TWIN = "bench_copy_floor"


def _log_table() -> tuple[str, list[str]]:
    from apps.user_profile.models import UserActivity

    columns = [str(field.column) for field in UserActivity._meta.concrete_fields]
    return UserActivity._meta.db_table, columns


def _create_twin(conn: psycopg.Connection[Any], log: str) -> None:
    partitions = conn.execute("SELECT count(*) FROM pg_inherits WHERE inhparent = %s::regclass", [log]).fetchone()
    count = int(partitions[0]) if partitions else 0
    key = conn.execute("SELECT pg_get_partkeydef(%s::regclass)", [log]).fetchone()
    conn.execute(f"DROP TABLE IF EXISTS {TWIN}")
    partitioned = f" PARTITION BY {key[0]}" if key and key[0] else ""
    conn.execute(
        f"CREATE TABLE {TWIN} (LIKE {log} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES){partitioned}"
    )
    for remainder in range(count if partitioned else 0):
        conn.execute(
            f"CREATE TABLE {TWIN}_p{remainder:02d} PARTITION OF {TWIN} "
            f"FOR VALUES WITH (MODULUS {count}, REMAINDER {remainder})"
        )
    foreign_keys = conn.execute(
        "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [log]
    ).fetchall()
    for (definition,) in foreign_keys:
        conn.execute(f"ALTER TABLE {TWIN} ADD {definition}")
    conn.commit()


def _copy_shard(database_url: str, log: str, columns: list[str], k: int, n: int, start_at: float) -> dict[str, Any]:
    """Runs in its own process: read shard k's events out of the log, then at `start_at` copy them into the twin."""
    names = ", ".join(columns)
    buffer = io.BytesIO()
    with psycopg.connect(database_url) as conn:
        query = f"COPY (SELECT {names} FROM {log} WHERE user_id % {n} = {k - 1} ORDER BY user_id, id) TO STDOUT"
        with conn.cursor().copy(f"{query} (FORMAT binary)") as copy:
            for chunk in copy:
                buffer.write(chunk)
        conn.commit()
        time.sleep(max(start_at - time.time(), 0))
        started = time.time()
        with conn.cursor().copy(f"COPY {TWIN} ({names}) FROM STDIN (FORMAT binary)") as copy:
            copy.write(buffer.getvalue())
        conn.commit()  # the deferred foreign-key checks run here, as at the backfill's commits
        return {"started": started, "ended": time.time()}


def copy_floor(*, database_url: str, workers: int) -> dict[str, Any]:
    """Copy the log's events into its twin in `workers` processes; returns rows, seconds and rows/s."""
    log, columns = _log_table()
    with psycopg.connect(database_url) as conn:
        _create_twin(conn, log)
    start_at = time.time() + 5 + 2 * workers  # every process has read its rows by then
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        spans = pool.starmap(
            _copy_shard, [(database_url, log, columns, k, workers, start_at) for k in range(1, workers + 1)]
        )
    seconds = max(span["ended"] for span in spans) - min(span["started"] for span in spans)
    with psycopg.connect(database_url) as conn:
        copied_row = conn.execute(f"SELECT count(*) FROM {TWIN}").fetchone()
        logged_row = conn.execute(f"SELECT count(*) FROM {log}").fetchone()
        conn.execute(f"DROP TABLE {TWIN}")
        conn.commit()
    copied = int(copied_row[0]) if copied_row else 0
    logged = int(logged_row[0]) if logged_row else 0
    return {
        "rows": copied,
        "log_rows": logged,
        "workers": workers,
        "seconds": seconds,
        "rows_per_second": copied / seconds if seconds else 0.0,
    }
