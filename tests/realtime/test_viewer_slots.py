"""The per-viewer subscription limit (schema/realtime/limits.py): the Redis scripts that take, renew and expire
leases, separate processes sharing one viewer's count, what the transports answer at the limit and when Redis
does not answer, and the count kept in this process without Redis."""

import asyncio
import multiprocessing
import socket
import time
from typing import Any

import orjson
import pytest

from apps.api_tokens.services import api_token_create
from apps.user_profile.models import UserProfileStats
from schema.node import to_global_id
from schema.realtime import limits
from schema.realtime.limits import (
    RENEW_SCRIPT,
    SLOTS_UNAVAILABLE,
    TAKE_SCRIPT,
    ProcessSlots,
    RedisSlots,
    viewer_slots,
)
from tests.apps.api_budget.conftest import redis_client
from tests.factories import UserFactory
from tests.realtime import slot_workers
from tests.realtime.conftest import ACTIVITY_ADDED, connect, receive, record, run, subscribe, until_listening
from tests.realtime.test_sse import _open, _scope

VIEWER = "user:4242"


@pytest.fixture
def redis_store() -> RedisSlots:
    """The store the suite runs with at REDIS_URL; skipped, saying why, without Redis."""
    if redis_client() is None:
        pytest.skip("Needs Redis: set REDIS_URL (make test does).")
    store = viewer_slots()
    assert isinstance(store, RedisSlots)
    return store


def _take(key: str, slot_id: str, maximum: int, lease_ms: int) -> int:
    return int(redis_client().eval(TAKE_SCRIPT, 1, key, slot_id, maximum, lease_ms))


def _leases(key: str) -> list[bytes]:
    return sorted(redis_client().zrange(key, 0, -1))


def _player() -> Any:
    player = UserFactory()
    UserProfileStats.objects.get_or_create(user_id=player.pk)
    return player


async def _eventually(condition: Any, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.01)


# --- the scripts ---------------------------------------------------------------------------------------------


def test_taking_grants_up_to_the_maximum_and_a_lease_given_back_frees_its_place(redis_store: RedisSlots) -> None:
    # given a viewer with no subscription open, allowed two
    key = redis_store.key(VIEWER)

    # when three are opened, with leases of a minute
    taken = [_take(key, slot_id, 2, 60_000) for slot_id in ("a", "b", "c")]

    # then two are granted and the third refused; each lease expires a minute on by Redis's clock, the key with them
    assert taken == [1, 1, 0]
    client = redis_client()
    seconds, microseconds = client.time()
    now_ms = seconds * 1000 + microseconds // 1000
    leases = dict(client.zrange(key, 0, -1, withscores=True))
    assert sorted(leases) == [b"a", b"b"]
    assert all(now_ms + 55_000 < expiry <= now_ms + 60_000 for expiry in leases.values())
    assert 55_000 < client.pttl(key) <= 60_000

    # when one is given back
    client.zrem(key, "a")

    # then the next one is granted, and the viewer is at the maximum again
    assert _take(key, "c", 2, 60_000) == 1
    assert _take(key, "d", 2, 60_000) == 0
    assert _leases(key) == [b"b", b"c"]


def test_an_expired_lease_frees_its_place_and_the_last_one_takes_the_key_with_it(redis_store: RedisSlots) -> None:
    # given a viewer allowed one subscription, held by a lease of 200 ms that nobody renews (its process died)
    key = redis_store.key(VIEWER)
    assert _take(key, "dead", 1, 200) == 1
    assert _take(key, "next", 1, 60_000) == 0

    # when the lease has run out
    time.sleep(0.3)

    # then the place is free again, and the dead lease is gone
    assert _take(key, "next", 1, 60_000) == 1
    assert _leases(key) == [b"next"]

    # and a viewer whose leases all ran out has no key left in Redis
    other = redis_store.key("user:4343")
    assert _take(other, "gone", 1, 200) == 1
    time.sleep(0.3)
    assert redis_client().exists(other) == 0


def test_renewing_extends_the_leases_still_held_and_counts_a_lapsed_one_again(redis_store: RedisSlots) -> None:
    # given a viewer allowed two subscriptions, holding two leases of 600 ms
    key = redis_store.key(VIEWER)
    client = redis_client()
    assert [_take(key, slot_id, 2, 600) for slot_id in ("kept", "dropped")] == [1, 1]

    # when only one is renewed, for a minute, before it runs out
    time.sleep(0.1)
    lapsed = client.eval(RENEW_SCRIPT, 1, key, 60_000, "kept")

    # then none had lapsed, and the key now lives as long as the renewed lease
    assert lapsed == []
    assert client.pttl(key) > 55_000
    # and once the first leases have run out, the renewed one still counts and the other no longer does
    time.sleep(0.7)
    assert _take(key, "new", 2, 60_000) == 1
    assert _take(key, "refused", 2, 60_000) == 0
    assert _leases(key) == [b"kept", b"new"]

    # when a lease that has already run out is renewed (its process stalled for longer than the lease)
    client.zrem(key, "new")
    assert _take(key, "stalled", 2, 100) == 1
    time.sleep(0.2)
    lapsed = client.eval(RENEW_SCRIPT, 1, key, 60_000, "kept", "stalled")

    # then it is counted again, since its subscription is still open, and reported
    assert lapsed == [b"stalled"]
    assert _leases(key) == [b"kept", b"stalled"]
    assert _take(key, "refused", 2, 60_000) == 0


# --- the store: renewal, give-back, separate processes --------------------------------------------------------


def test_an_open_subscriptions_lease_is_renewed_and_given_back_at_once_when_it_closes(
    redis_store: RedisSlots, settings: Any
) -> None:
    # given leases of one second, and a viewer allowed one subscription, who opens it
    settings.REALTIME_SUBSCRIPTION_LEASE_SECONDS = 1.0

    async def scenario() -> None:
        held = await redis_store.take(VIEWER, 1)
        assert held is not None

        # when it stays open for two and a half leases
        await asyncio.sleep(2.5)

        # then it still counts: this process renewed its lease
        assert await redis_store.take(VIEWER, 1) is None
        held_here = redis_store.held()[redis_store.key(VIEWER)]
        assert _leases(redis_store.key(VIEWER)) == sorted(slot_id.encode() for slot_id in held_here)

        # when it closes
        held.release()
        await held.give_back()  # (a second give-back changes nothing)

        # then this process stops renewing it, and its place is free well before the lease would have run out
        assert redis_store.held() == {}
        await _eventually(lambda: not _leases(redis_store.key(VIEWER)), timeout=0.5)
        again = await redis_store.take(VIEWER, 1)
        assert again is not None
        again.release()

    run(scenario)


def _opens(store: RedisSlots, maximum: int) -> bool:
    """Whether this process (a third one) may open a subscription of VIEWER now; it never gives it back."""
    return asyncio.run(store.take(VIEWER, maximum)) is not None


@pytest.mark.slow
def test_two_processes_share_one_viewers_limit_and_the_leases_of_killed_ones_expire(
    redis_store: RedisSlots, subscriptions_key_prefix: str, settings: Any
) -> None:
    # given two server processes on one Redis, with leases of 2 s, and a viewer allowed 5 subscriptions
    lease = 2.0
    settings.REALTIME_SUBSCRIPTION_LEASE_SECONDS = lease
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    arguments = (subscriptions_key_prefix, lease, barrier, results, VIEWER, 5, 8)
    processes = [spawn.Process(target=slot_workers.take_slots_in_process, args=arguments) for _ in range(2)]
    for process in processes:
        process.start()
    try:
        # when both try to open 8 at the same moment
        outcomes = [results.get(timeout=180) for _ in processes]

        # then exactly 5 were granted between them
        assert [status for status, _ in outcomes] == ["ok", "ok"], outcomes
        assert sum(granted for _, granted in outcomes) == 5
        assert len(_leases(redis_store.key(VIEWER))) == 5

        # and after two leases the viewer is still at the limit, here too: the processes renew theirs
        time.sleep(2 * lease)
        assert not _opens(redis_store, 5)

        # when both processes die without giving anything back
        for process in processes:
            process.kill()
            process.join(timeout=10)

        # then their places come back by themselves, within a lease
        deadline = time.monotonic() + lease + 2
        while not _opens(redis_store, 5):
            assert time.monotonic() < deadline, "the leases of the killed processes did not expire"
            time.sleep(0.1)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join(timeout=10)


# --- the transports -------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_at_the_limit_both_transports_refuse_with_rate_limited_and_a_closed_one_frees_its_place(
    redis_store: RedisSlots, settings: Any
) -> None:
    # given a player allowed one subscription at a time, watching their feed over SSE with an API token
    settings.REALTIME_MAX_SUBSCRIPTIONS_PER_VIEWER = 1
    ada = _player()
    _, token = api_token_create(user=ada, name="phone")
    bearer = f"Bearer {token}"
    variables = {"userId": to_global_id("User", ada.pk)}
    key = redis_store.key(f"user:{ada.pk}")

    def signed_in_sse() -> dict[str, Any]:
        scope = _scope(variables)
        scope["headers"].append((b"authorization", bearer.encode()))
        return scope

    async def scenario() -> None:
        stream = await _open(signed_in_sse())
        assert (await stream.receive_output(timeout=5))["status"] == 200
        assert len(_leases(key)) == 1

        # when they subscribe once more over WebSocket, and over SSE
        ws = await connect(payload={"authorization": bearer})
        await subscribe(ws, "2", ACTIVITY_ADDED, variables)
        refused_ws = await receive(ws)
        second = await _open(signed_in_sse())
        refused_start = await second.receive_output(timeout=5)
        refused_body = await second.receive_output(timeout=5)

        # then both are refused with RATE_LIMITED and the limit (a WebSocket error, an SSE 429)
        error = {"message": "At most 1 subscriptions open at once per viewer.", "extensions": {"code": "RATE_LIMITED"}}
        assert refused_ws == {"id": "2", "type": "error", "payload": [error]}
        assert refused_start["status"] == 429
        assert orjson.loads(refused_body["body"]) == {"errors": [error]}

        # when the SSE stream closes
        await stream.send_input({"type": "http.disconnect"})
        await stream.wait(timeout=5)

        # then its lease is given back, and the WebSocket subscription that follows runs
        await _eventually(lambda: not _leases(key))
        await subscribe(ws, "3", ACTIVITY_ADDED, variables)
        await until_listening(ada.pk)
        await record(ada.pk, 1)
        assert (await receive(ws))["id"] == "3"
        await ws.disconnect()
        await _eventually(lambda: not _leases(key))

    run(scenario)


@pytest.fixture
def unreachable_redis(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count's store at a Redis that does not answer (nothing listens on its port); the budgets stay where
    they are."""
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        dead_port = unused.getsockname()[1]
    settings.CACHES = {
        **settings.CACHES,
        "unreachable": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{dead_port}/0",
            "KEY_PREFIX": "dc",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        },
    }
    monkeypatch.setattr(limits, "SLOTS_CACHE_ALIAS", "unreachable")
    viewer_slots.cache_clear()
    assert isinstance(viewer_slots(), RedisSlots)


@pytest.mark.usefixtures("unreachable_redis")
def test_when_redis_does_not_answer_subscriptions_are_refused_with_service_unavailable() -> None:
    variables = {"userId": to_global_id("User", 1)}

    async def scenario() -> None:
        # when a client subscribes over WebSocket while the count's Redis does not answer
        ws = await connect()
        await subscribe(ws, "1", ACTIVITY_ADDED, variables)

        # then that subscription is refused (fail closed) with SERVICE_UNAVAILABLE, and the connection stays open
        refused = await receive(ws)
        unavailable = {"message": SLOTS_UNAVAILABLE, "extensions": {"code": "SERVICE_UNAVAILABLE"}}
        assert refused == {"id": "1", "type": "error", "payload": [unavailable]}
        await ws.send_json_to({"type": "ping"})
        assert await receive(ws) == {"type": "pong"}
        await ws.disconnect()

        # and over SSE: a 503 to retry later
        stream = await _open(_scope(variables))
        start = await stream.receive_output(timeout=5)
        body = await stream.receive_output(timeout=5)
        assert start["status"] == 503
        assert dict(start["headers"])[b"retry-after"] == b"5"
        assert orjson.loads(body["body"]) == {"errors": [unavailable]}

    run(scenario)


# --- without Redis --------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_without_redis_the_count_is_kept_in_this_process(settings: Any) -> None:
    # given no Redis (the single-process demo), and a viewer allowed two subscriptions
    settings.CACHES = {
        **settings.CACHES,
        "budgets": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "slots-test"},
    }
    settings.REALTIME_MAX_SUBSCRIPTIONS_PER_VIEWER = 2
    store = viewer_slots()
    assert isinstance(store, ProcessSlots)
    ada = _player()
    variables = {"userId": to_global_id("User", ada.pk)}

    async def scenario() -> None:
        # when the viewer opens two subscriptions on one connection, then a third on another
        first, second = await connect(), await connect()
        await subscribe(first, "1", ACTIVITY_ADDED, variables)
        await subscribe(first, "2", ACTIVITY_ADDED, variables)
        await until_listening(ada.pk, 2)
        await subscribe(second, "3", ACTIVITY_ADDED, variables)

        # then the third is refused as at any limit
        error = {"message": "At most 2 subscriptions open at once per viewer.", "extensions": {"code": "RATE_LIMITED"}}
        assert await receive(second) == {"id": "3", "type": "error", "payload": [error]}

        # when one of the first two completes
        await first.send_json_to({"id": "1", "type": "complete"})

        # then its place is given back, and the other connection's next subscription runs
        await _eventually(lambda: sum(store.open.values()) == 1)
        await subscribe(second, "4", ACTIVITY_ADDED, variables)
        await until_listening(ada.pk, 2)
        await record(ada.pk, 1)
        assert (await receive(second))["id"] == "4"

        # and closing the connections gives every place back
        await first.disconnect()
        await second.disconnect()
        await _eventually(lambda: not store.open)

    run(scenario)
