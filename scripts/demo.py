"""The demo: migrate, load the demo platform, then serve it (or, with --check, read it back and stop).

With DATABASE_URL set it runs on that database. Without it, on the embedded PostgreSQL server
(scripts/embedded_postgres.py): started for the demo, stopped when the demo stops, its data kept in .pgdata/
for the next run.

    python scripts/demo.py [--host 127.0.0.1] [--port 8000]
    python scripts/demo.py --check      # the smoke pass: migrate, seed_demo, demo_check
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import embedded_postgres

BASE_DIR = Path(__file__).resolve().parent.parent


def _steps(*, check: bool, host: str, port: int) -> list[list[str]]:
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    steps = [[*manage, "migrate", "--noinput", "-v0"], [*manage, "seed_demo"]]
    if check:
        steps.append([*manage, "demo_check"])
    else:
        uvicorn = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", host, "--port", str(port)]
        steps.append(uvicorn)
    return steps


def _call(command: list[str], env: dict[str, str]) -> int:
    """Run one step; Ctrl-C reaches it too (same process group), so wait for it to finish and return."""
    child = subprocess.Popen(command, env=env, cwd=BASE_DIR)
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    # SIGTERM (a supervisor, `timeout`) is passed on, so the database is still stopped after the step.
    previous_term = signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signum))
    try:
        status = child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
        signal.signal(signal.SIGTERM, previous_term)
    # A server stopped by Ctrl-C (or SIGTERM) is the demo ending normally.
    return 0 if "uvicorn" in command and status in (0, -signal.SIGINT, -signal.SIGTERM) else status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--check", action="store_true", help="read the demo back (demo_check) instead of serving it")
    args = parser.parse_args(argv)

    database: AbstractContextManager[str]
    if os.environ.get("DATABASE_URL"):
        database = nullcontext(os.environ["DATABASE_URL"])
    else:
        print(f"No DATABASE_URL: running on the embedded PostgreSQL in {embedded_postgres.DATA_DIR}", flush=True)
        database = embedded_postgres.running()
    with database as url:
        env = {**os.environ, "DATABASE_URL": url}
        for step in _steps(check=args.check, host=args.host, port=args.port):
            if "uvicorn" in step:
                print(f"DeltaCrown Activity: http://{args.host}:{args.port}/graphql/  (demo logins: see README)")
            status = _call(step, env)
            if status != 0:
                return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
