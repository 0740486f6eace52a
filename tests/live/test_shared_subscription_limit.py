"""The per-viewer subscription limit is counted in Redis: two server processes share one viewer's count, over
WebSocket and SSE, and the subscriptions of a server that is killed stop counting once their leases expire."""

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from apps.user_profile.models import UserProfileStats
from schema.node import to_global_id
from tests.apps.api_budget.conftest import redis_client
from tests.factories import UserFactory
from tests.live.conftest import LiveServer, server_processes

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

QUERY = "subscription($userId: ID!) { activityAdded(userId: $userId) { cursor } }"
LEASE = 2.0  # seconds a subscription's lease lasts unless its server renews it


class Socket:
    """A graphql-transport-ws client on one connection."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.send({"type": "connection_init", "payload": {}})
        assert self.next() == {"type": "connection_ack"}

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps(message))

    def next(self) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = json.loads(self.ws.recv(timeout=10))
            if message.get("type") != "ping":
                return message
            self.send({"type": "pong"})

    def subscribe(self, operation_id: str, user_id: str) -> list[dict[str, Any]]:
        """Subscribe; the server's answers to it: none when it runs, an error when it is refused. (A ping after
        it shows when the server has handled it: it handles one connection's messages in order.)"""
        variables = {"userId": user_id}
        self.send({"id": operation_id, "type": "subscribe", "payload": {"query": QUERY, "variables": variables}})
        self.send({"type": "ping"})
        answers = []
        while (message := self.next()) != {"type": "pong"}:
            answers.append(message)
        return answers


@contextlib.contextmanager
def graphql_socket(base_url: str) -> Iterator[Socket]:
    url = base_url.replace("http://", "ws://") + "/graphql/"
    with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")], proxy=None, open_timeout=10) as ws:
        yield Socket(ws)


def _sse(base_url: str, user_id: str) -> tuple[int, Any]:
    """An SSE subscription's status, and its JSON answer when it did not start (it is closed at once)."""
    params = {"query": QUERY, "variables": json.dumps({"userId": user_id})}
    headers = {"accept": "text/event-stream"}
    with httpx.stream("GET", f"{base_url}/graphql/", params=params, headers=headers, timeout=10) as response:
        if response.status_code == 200:
            return 200, None
        return response.status_code, json.loads(response.read())


def _refused(operation_id: str) -> list[dict[str, Any]]:
    error = {"message": "At most 3 subscriptions open at once per viewer.", "extensions": {"code": "RATE_LIMITED"}}
    return [{"id": operation_id, "type": "error", "payload": [error]}]


def _until_one_opens(socket: Socket, user_id: str, name: str, timeout: float) -> float:
    """Subscribe again and again until the server lets one run; how long it took."""
    started = time.monotonic()
    for attempt in range(10_000):
        if not socket.subscribe(f"{name}-{attempt}", user_id):
            return time.monotonic() - started
        assert time.monotonic() - started < timeout, f"no subscription could open within {timeout} s"
        time.sleep(0.1)
    raise AssertionError("unreachable")


def test_two_server_processes_share_a_viewers_limit_and_a_killed_ones_subscriptions_expire(
    live_server_factory: LiveServer, key_prefix: str
) -> None:
    # given two separate servers on one Redis, leases of 2 s, and a viewer (an anonymous address) allowed 3
    if redis_client() is None:
        pytest.skip("Needs Redis: set REDIS_URL (make test does).")
    ada = UserFactory()
    UserProfileStats.objects.get_or_create(user_id=ada.pk)
    user_id = to_global_id("User", ada.pk)
    environment = {
        "REDIS_URL": settings.REDIS_URL,
        "REALTIME_MAX_SUBSCRIPTIONS_PER_VIEWER": "3",
        "REALTIME_SUBSCRIPTION_LEASE_SECONDS": str(LEASE),
        "REALTIME_SUBSCRIPTIONS_KEY_PREFIX": f"{key_prefix}:subscriptions",
        "API_BUDGET_KEY_PREFIX": key_prefix,
    }
    first_url, second_url = live_server_factory(**environment), live_server_factory(**environment)
    with graphql_socket(first_url) as first, graphql_socket(second_url) as second:
        # when the viewer opens two subscriptions on the first server and one on the second
        assert first.subscribe("a", user_id) == []
        assert first.subscribe("b", user_id) == []
        assert second.subscribe("c", user_id) == []

        # then a fourth is refused by either server, over WebSocket and over SSE, as at any limit
        assert first.subscribe("d", user_id) == _refused("d")
        assert second.subscribe("e", user_id) == _refused("e")
        error = _refused("")[0]["payload"][0]
        assert _sse(second_url, user_id) == (429, {"errors": [error]})

        # and still after two leases: each server renews the leases of its open subscriptions
        time.sleep(2 * LEASE)
        assert second.subscribe("f", user_id) == _refused("f")

        # when the subscription on the second server completes
        second.send({"id": "c", "type": "complete"})

        # then the first server may open one again (it is given back at once, not when its lease runs out)
        assert _until_one_opens(first, user_id, "again", timeout=LEASE / 2) < LEASE / 2

        # when the first server is killed, with its three subscriptions open (it gives nothing back)
        server_processes[first_url].kill()
        server_processes[first_url].wait(timeout=10)

        # then they still count until their leases run out (each on its own), then no longer: the viewer may
        # open three again on the second server, and no more
        assert second.subscribe("g", user_id) == _refused("g")
        for n in range(3):
            _until_one_opens(second, user_id, f"after-the-crash-{n}", timeout=LEASE + 3)
        assert second.subscribe("h", user_id) == _refused("h")
