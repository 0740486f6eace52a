"""Apollo Client (Node) against a real server: automatic persisted queries round trips over HTTP.

The server is uvicorn running config.asgi on the test database (so the test is transactional: the server's
connections see what the test commits). Needs node and npm; the Apollo packages are installed once into
tests/e2e/apollo/node_modules with `npm ci` (from package-lock.json) and kept.
"""

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import cache_clear
from tests.live.conftest import LiveServer

APOLLO_DIR = Path(__file__).resolve().parent / "apollo"
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


@pytest.fixture
def graphql_server(live_server_factory: LiveServer) -> str:
    """uvicorn serving config.asgi on the test database (tests/live/conftest.py); the /graphql/ URL."""
    return live_server_factory(GRAPHQL_APQ_ENABLED="1", GRAPHQL_TRUSTED_DOCUMENTS_ONLY="0") + "/graphql/"


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
    cache_clear("persisted_queries")

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
