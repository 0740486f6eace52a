"""Apollo Client (Node) against a real server: automatic persisted queries round trips over HTTP.

The server is uvicorn running config.asgi on the test database (so the test is transactional: the server's
connections see what the test commits). Needs node and npm; the Apollo packages are installed once into
tests/e2e/apollo/node_modules with `npm ci` (from package-lock.json) and kept.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.cache import caches

APOLLO_DIR = Path(__file__).resolve().parent / "apollo"
REPO_ROOT = APOLLO_DIR.parents[2]
SERVER_START_TIMEOUT = 60
NODE_TIMEOUT = 60
NPM_CI_TIMEOUT = 600


def _missing_node_tool() -> str | None:
    return next((tool for tool in ("node", "npm") if shutil.which(tool) is None), None)


@pytest.fixture(scope="session")
def apollo_packages() -> Path:
    missing = _missing_node_tool()
    if missing is not None:
        pytest.skip(f"Apollo Client end-to-end test skipped: `{missing}` is not on PATH (install Node.js 20+).")
    if not (APOLLO_DIR / "node_modules" / "@apollo" / "client").is_dir():
        installed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"],
            cwd=APOLLO_DIR,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
            check=False,
        )
        if installed.returncode != 0:
            pytest.fail(f"`npm ci` in {APOLLO_DIR} failed:\n{installed.stdout}\n{installed.stderr}")
    return APOLLO_DIR


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _database_url() -> str:
    database = settings.DATABASES["default"]
    credentials = quote(database.get("USER") or "", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host = quote(database.get("HOST") or "127.0.0.1", safe="")  # a Unix-socket folder is percent-encoded
    port = database.get("PORT") or 5432
    return f"postgres://{credentials}{'@' if credentials else ''}{host}:{port}/{quote(database['NAME'], safe='')}"


@pytest.fixture
def graphql_server(tmp_path: Path) -> Iterator[str]:
    """uvicorn serving config.asgi on the test database; yields the /graphql/ URL."""
    port = _free_port()
    log_path = tmp_path / "uvicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _database_url(),
        "DATABASE_POOL": "0",
        "GRAPHQL_APQ_ENABLED": "1",
        "GRAPHQL_TRUSTED_DOCUMENTS_ONLY": "0",
    }
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if server.poll() is not None:
                pytest.fail(f"uvicorn exited with {server.returncode}:\n{log_path.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"uvicorn did not listen on port {port} within {SERVER_START_TIMEOUT} s")
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/graphql/"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def run_apq_script(apollo_dir: Path, endpoint: str) -> dict[str, Any]:
    completed = subprocess.run(
        ["node", "apq.mjs", endpoint],
        cwd=apollo_dir,
        capture_output=True,
        text=True,
        timeout=NODE_TIMEOUT,
        check=False,
    )
    try:
        summary: dict[str, Any] = json.loads(completed.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"apq.mjs printed no JSON (exit {completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
    summary["exit_code"] = completed.returncode
    return summary


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_apollo_client_registers_a_query_then_runs_it_by_hash_over_get(
    apollo_packages: Path, graphql_server: str
) -> None:
    # given: an empty APQ store (shared with the server through REDIS_URL, or the server's own memory)
    caches["persisted_queries"].clear()

    # when: Apollo Client runs the same query twice with createPersistedQueryLink(useGETForHashedQueries)
    summary = run_apq_script(apollo_packages, graphql_server)

    # then
    requests = [(r["method"], r["querySent"], r["status"], r["errorCodes"], r["hasData"]) for r in summary["requests"]]
    assert requests == [
        ("GET", False, 200, ["PERSISTED_QUERY_NOT_FOUND"], False),  # hash only: unknown
        ("POST", True, 200, [], True),  # hash + query: registered and run
        ("GET", False, 200, [], True),  # hash only: known now
    ], json.dumps(summary, indent=2)
    hashes = {r["sha256Hash"] for r in summary["requests"]}
    assert len(hashes) == 1
    assert None not in hashes
    assert "no-cache" in (summary["requests"][0]["cacheControl"] or "")
    expected = {
        "leaderboard": {
            "edges": [],
            "pageInfo": {"hasNextPage": False, "__typename": "PageInfo"},
            "__typename": "LeaderboardConnection",
        }
    }
    assert [result.get("data") for result in summary["results"]] == [expected, expected]
    assert summary["exit_code"] == 0
