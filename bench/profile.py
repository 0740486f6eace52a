"""Profile one benchmarked read on the running stack: py-spy samples the uvicorn process under load.

Usage: python -m bench.profile "activities(first: 50)" [--requests 1000] [--floor]
Needs the database `make bench` generated. Prints the functions holding the most samples, inclusive and self.
"""

import argparse
import os
import signal
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import httpx

from bench.run import DEFAULT_DATABASE_URL, ROOT, benchmark_player, session_for, setup_django

IDLE_LEAVES = ("_worker (", "select (", "wait (threading", "_wait_for_tstate_lock")
WORK = (
    "django/",
    "strawberry",
    "graphql/",
    "asgiref/",
    "psycopg",
    "schema/",
    "apps/",
    "bench/",
    "json/",
    "uvicorn/protocols",
)


def _function(frame: str) -> str:
    """'resolve (strawberry/schema/execute.py:123)' -> 'resolve (strawberry/schema/execute.py)'."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", str(ROOT) + "/"):
        path = path.split(marker, 1)[-1]
    return f"{name} ({path})"


def summarize(raw_profile: Path, top: int) -> None:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw_profile.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        frames = [_function(frame) for frame in stack.split(";") if frame]
        # Only samples doing request work: idle thread-pool workers and the event loop's select are not.
        if (
            not frames
            or frames[-1].startswith(IDLE_LEAVES)
            or not any(f.split(" (")[-1].startswith(WORK) for f in frames)
        ):
            continue
        total += count
        own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    print(f"{total} busy samples")
    for title, counter in (("inclusive", inclusive), ("self", own)):
        print(f"\ntop {top} by {title} share of busy samples")
        for name, count in counter.most_common(top):
            print(f"{100 * count / total:6.1f}%  {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("operation")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--floor", action="store_true", help="Profile the raw-SQL view instead of GraphQL.")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    setup_django(args.database_url)

    from django.conf import settings

    from bench.reads import _floor, _graphql, asgi_server, read_operations

    user_id, username, deep_cursor = benchmark_player()
    operation = {op.name: op for op in read_operations(username=username, deep_cursor=deep_cursor)}[args.operation]
    cookies = {settings.SESSION_COOKIE_NAME: session_for(user_id)} if operation.authenticated else {}
    send = _floor if args.floor else _graphql
    with asgi_server(database_url=args.database_url) as (base_url, pid), tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.txt"
        with httpx.Client(base_url=base_url, cookies=cookies, timeout=30) as client:
            for _ in range(50):
                send(client, operation)
            spy = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "--pid",
                    str(pid),
                    "--rate",
                    "250",
                    "--format",
                    "raw",
                    "--output",
                    str(out),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(args.requests):
                send(client, operation)
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
        summarize(out, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
