"""Driving the live subscriptions through the ASGI application with Channels' WebsocketCommunicator."""

from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from asgiref.sync import SyncToAsync, async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections

from apps.user_profile.services.events import record_event

T0 = datetime(2026, 9, 1, 19, 0, tzinfo=UTC)
SUBPROTOCOL = "graphql-transport-ws"

ACTIVITY_ADDED = """subscription($userId: ID!, $after: String, $types: [ActivityEventType!]) {
  activityAdded(userId: $userId, after: $after, eventTypes: $types) {
    cursor node { eventType amount details { __typename ... on CoinsDetails { amount reason } } }
  }
}"""
MY_ACTIVITY = "subscription($after: String) { myActivity(after: $after) { cursor node { eventType amount } } }"


@pytest.fixture(autouse=True)
def close_database_thread_connection() -> Iterator[None]:
    """The API's database thread keeps its connection between operations (schema/db.py): close it after each
    test, so the test database can be dropped at the end."""
    yield
    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


@pytest.fixture(autouse=True)
def in_memory_layer(settings: Any) -> None:
    """One process here: the in-memory layer (the Redis one is exercised end to end, tests/e2e)."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def subscriptions_key_prefix(settings: Any, key_prefix: str) -> str:
    """Each test counts its viewers' subscriptions under keys of its own (deleted after it with its budgets,
    tests/conftest.py), in a store chosen afresh (Redis at REDIS_URL, else this process's memory)."""
    from schema.realtime.limits import viewer_slots

    settings.REALTIME_SUBSCRIPTIONS_KEY_PREFIX = f"{key_prefix}:subscriptions"
    viewer_slots.cache_clear()
    return str(settings.REALTIME_SUBSCRIPTIONS_KEY_PREFIX)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Run an async scenario on its own event loop; its database work runs on this (the test's) thread."""
    async_to_sync(scenario)()


async def connect(
    *, payload: dict[str, Any] | None = None, headers: list[tuple[bytes, bytes]] | None = None
) -> WebsocketCommunicator:
    from config.asgi import application

    communicator = WebsocketCommunicator(application, "/graphql/", subprotocols=[SUBPROTOCOL], headers=headers or [])
    connected, subprotocol = await communicator.connect()
    assert connected, subprotocol
    assert subprotocol == SUBPROTOCOL
    await communicator.send_json_to({"type": "connection_init", "payload": payload or {}})
    assert await communicator.receive_json_from(timeout=5) == {"type": "connection_ack"}
    return communicator


async def subscribe(
    communicator: WebsocketCommunicator, operation_id: str, query: str, variables: dict[str, Any] | None = None
) -> None:
    await communicator.send_json_to(
        {"id": operation_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
    )


async def receive(communicator: WebsocketCommunicator, timeout: float = 5) -> dict[str, Any]:
    """The next message that is not a server ping."""
    while True:
        message: dict[str, Any] = await communicator.receive_json_from(timeout=timeout)
        if message.get("type") != "ping":
            return message


async def record(user_id: int, source_id: int, event_type: str = "match_played", **metadata: Any) -> int | None:
    return await sync_to_async(record_event)(
        user_id=user_id,
        event_type=event_type,
        timestamp=T0,
        source_model="tournaments.match" if event_type.startswith("match") else "economy.deltacrowntransaction",
        source_id=source_id,
        metadata=metadata,
    )


async def until_listening(user_id: int, subscriptions: int = 1, timeout: float = 5) -> None:
    """Wait until this process's hub holds `subscriptions` live subscriptions to the player: a subscription
    without `after` starts with the events recorded once it listens."""
    import asyncio

    from schema.realtime.hub import hub

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(hub().inboxes.get(user_id, ())) < subscriptions:
        assert loop.time() < deadline, f"no live subscription to player {user_id}"
        await asyncio.sleep(0.01)
