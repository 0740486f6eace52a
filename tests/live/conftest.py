"""A real server for the tests that need one: uvicorn running config.asgi in a subprocess, on the test database.

Tests using it commit their data (transactional_db), since the server reads through its own connections.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
LiveServer = Callable[..., str]
# The servers running for the current test, by base URL: a test may kill one (a crashed worker).
server_processes: dict[str, subprocess.Popen[bytes]] = {}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_url(*, port: int | None = None) -> str:
    database = settings.DATABASES["default"]
    # A Unix-socket folder (the embedded server's) is the host, percent-encoded.
    host = quote(database["HOST"] or "127.0.0.1", safe="")
    return f"postgres://{database['USER'] or 'postgres'}@{host}:{port or database['PORT'] or 5432}/{database['NAME']}"


@pytest.fixture
def live_server_factory() -> Iterator[LiveServer]:
    """Starts uvicorn with extra environment; returns its base URL. Every server stops after the test."""
    processes: list[subprocess.Popen[bytes]] = []

    def start(*, workers: int = 1, wait_ready: bool = True, **environment: str) -> str:
        port = free_port()
        env = {
            **os.environ,
            # The suite's settings (the fast password hasher its factories used, plain http on loopback),
            # production mode otherwise.
            "DJANGO_SETTINGS_MODULE": "config.test_settings",
            "DATABASE_URL": database_url(),
            "DEBUG": "0",
            "SECRET_KEY": "live-server-test-key-" + "x" * 40,
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
            **environment,
        }
        command = [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1"]
        command += ["--port", str(port), "--workers", str(workers), "--log-level", "warning"]
        process = subprocess.Popen(command, cwd=ROOT, env=env)
        processes.append(process)
        url = f"http://127.0.0.1:{port}"
        server_processes[url] = process
        deadline = time.monotonic() + 30
        while wait_ready:
            try:
                httpx.get(f"{url}/graphql/", params={"query": "{ __typename }"}, timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server at {url} did not start") from None
                time.sleep(0.1)
        return url

    yield start
    for url in [url for url, process in server_processes.items() if process in processes]:
        del server_processes[url]
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
