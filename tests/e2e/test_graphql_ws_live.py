"""The graphql-ws client (Node) against uvicorn with two worker processes and Redis: live events recorded in
another process arrive; a client that reconnects with its cursor gets exactly what it missed, also while other
writers commit during the hand-over.

Needs node and npm (the client is installed once into tests/e2e/graphql_ws/node_modules with `npm ci`) and
Redis at REDIS_URL (the fan-out between processes); skipped, saying why, without them.
"""

import base64
import json
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from redis import Redis

from apps.user_profile.models import UserProfileStats
from apps.user_profile.publisher import group_name
from apps.user_profile.services.events import record_event
from schema.node import to_global_id
from schema.realtime.cursor import StreamCursor
from tests.apps.user_profile.test_concurrency import run_in_threads
from tests.e2e.test_apollo_persisted_queries import _missing_node_tool
from tests.factories import UserFactory
from tests.live.conftest import LiveServer

CLIENT_DIR = Path(__file__).resolve().parent / "graphql_ws"
T0 = datetime(2026, 9, 1, 19, 0, tzinfo=UTC)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="session")
def graphql_ws_client() -> Path:
    missing = _missing_node_tool()
    if missing is not None:
        pytest.skip(f"graphql-ws end-to-end test skipped: `{missing}` is not on PATH (install Node.js 20+).")
    if not (CLIENT_DIR / "node_modules" / "graphql-ws").is_dir():
        installed = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"],
            cwd=CLIENT_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if installed.returncode != 0:
            pytest.fail(f"`npm ci` in {CLIENT_DIR} failed:\n{installed.stdout}\n{installed.stderr}")
    return CLIENT_DIR


@pytest.fixture
def two_workers(live_server_factory: LiveServer) -> str:
    if not settings.REDIS_URL:
        pytest.skip("graphql-ws end-to-end test skipped: no Redis at REDIS_URL to fan out between processes.")
    return live_server_factory(workers=2, REDIS_URL=settings.REDIS_URL).replace("http://", "ws://") + "/graphql/"


def _start_client(url: str, user_id: int, after: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        ["node", "live.mjs", url, to_global_id("User", user_id), after, str(count)],
        cwd=CLIENT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _received(client: subprocess.Popen[str]) -> list[dict[str, Any]]:
    out, err = client.communicate(timeout=60)
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert client.returncode == 0, (lines, err)
    return lines


def _seq(cursor: str) -> int:
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    return int(raw[2])


def _group_key(user_id: int) -> str:
    return f"asgi:group:{group_name(user_id)}"


def _wait_until_a_worker_listens(user_id: int) -> None:
    """The subscription is live once a worker's hub joined the player's group in Redis (channels_redis keys)."""
    redis = Redis.from_url(settings.REDIS_URL)
    deadline = time.monotonic() + 20
    while not redis.exists(_group_key(user_id)):
        assert time.monotonic() < deadline, "no worker subscribed to the player's group"
        time.sleep(0.05)


def _record(user_id: int, match_id: int) -> int | None:
    return record_event(
        user_id=user_id,
        event_type="match_played",
        timestamp=T0,
        source_model="tournaments.match",
        source_id=match_id,
        metadata={"match_id": match_id},
    )


def test_the_graphql_ws_client_receives_live_events_and_resumes_without_gap_or_repeat(
    graphql_ws_client: Path, two_workers: str
) -> None:
    # given a player with no events and a graphql-ws client subscribed to them (from the stream's start)
    ada = UserFactory()
    UserProfileStats.objects.get_or_create(user_id=ada.pk)
    start = StreamCursor(user_id=ada.pk, seq=0).encode()
    Redis.from_url(settings.REDIS_URL).delete(_group_key(ada.pk))  # left by an earlier run with this user id
    first_client = _start_client(two_workers, ada.pk, start, 1)
    _wait_until_a_worker_listens(ada.pk)

    # when an event is recorded here, in another process than either worker (so it can only arrive via Redis)
    _record(ada.pk, 1)

    # then the client receives it
    (first,) = _received(first_client)
    assert (first["eventType"], first["matchId"], _seq(first["cursor"])) == ("MATCH_PLAYED", 1, 1)

    # given three events recorded while the client is away
    for match_id in (2, 3, 4):
        _record(ada.pk, match_id)

    # when it reconnects with its cursor while eight writers commit ten more events during the hand-over
    second_client = _start_client(two_workers, ada.pk, first["cursor"], 13)
    run_in_threads(lambda i: [_record(ada.pk, 100 + i * 2 + k) for k in range(2 if i < 2 else 1)], 8)

    # then it receives exactly those thirteen: the three missed first, each once, in stream order
    events = _received(second_client)
    assert [_seq(e["cursor"]) for e in events] == list(range(2, 15))
    assert [e["matchId"] for e in events[:3]] == [2, 3, 4]
    assert sorted(e["matchId"] for e in events[3:]) == sorted([100, 101, 102, 103, *range(104, 116, 2)])
