"""graphql-transport-ws over the ASGI application: handshake, auth, delivery, resume, privacy and limits."""

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from apps.api_tokens.services import api_token_create
from apps.user_profile.models import UserProfileStats
from schema.node import to_global_id
from tests.factories import UserFactory, set_privacy
from tests.realtime.conftest import (
    ACTIVITY_ADDED,
    MY_ACTIVITY,
    SUBPROTOCOL,
    connect,
    receive,
    record,
    run,
    subscribe,
    until_listening,
)

pytestmark = pytest.mark.django_db(transaction=True)


def _player() -> Any:
    player = UserFactory()
    UserProfileStats.objects.get_or_create(user_id=player.pk)
    return player


def test_a_subscriber_receives_committed_events_with_cursors_and_completes() -> None:
    # given a player and a subscriber to their activity
    ada = _player()

    async def scenario() -> None:
        ws = await connect()
        await subscribe(ws, "1", ACTIVITY_ADDED, {"userId": to_global_id("User", ada.pk)})
        await until_listening(ada.pk)
        await ws.send_json_to({"type": "ping"})
        assert await receive(ws) == {"type": "pong"}

        # when two events are recorded (each commits)
        await record(ada.pk, 1)
        await record(ada.pk, 2, "match_won")

        # then both arrive in order, each with its own cursor
        first, second = await receive(ws), await receive(ws)
        assert [first["type"], first["id"]] == ["next", "1"]
        assert first["payload"]["data"]["activityAdded"]["node"]["eventType"] == "MATCH_PLAYED"
        assert second["payload"]["data"]["activityAdded"]["node"]["eventType"] == "MATCH_WON"
        assert (
            first["payload"]["data"]["activityAdded"]["cursor"] != second["payload"]["data"]["activityAdded"]["cursor"]
        )

        # and a client's complete stops the stream: a later event is not sent
        await ws.send_json_to({"id": "1", "type": "complete"})
        await record(ada.pk, 3)
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()

    run(scenario)


def test_resuming_with_a_cursor_delivers_exactly_what_was_missed_then_live_events() -> None:
    # given a subscriber that received one event and disconnected
    ada = _player()
    user_id = to_global_id("User", ada.pk)

    async def scenario() -> None:
        ws = await connect()
        await subscribe(ws, "a", ACTIVITY_ADDED, {"userId": user_id})
        await until_listening(ada.pk)
        await record(ada.pk, 1)
        cursor = (await receive(ws))["payload"]["data"]["activityAdded"]["cursor"]
        await ws.disconnect()

        # when three events are recorded meanwhile and the client resubscribes after its cursor
        for source_id in (2, 3, 4):
            await record(ada.pk, source_id)
        ws = await connect()
        await subscribe(ws, "b", ACTIVITY_ADDED, {"userId": user_id, "after": cursor})
        missed = [await receive(ws) for _ in range(3)]
        await record(ada.pk, 5)
        live = await receive(ws)

        # then it gets exactly those three, then the live one, and nothing more
        cursors = [m["payload"]["data"]["activityAdded"]["cursor"] for m in [*missed, live]]
        assert len(set(cursors)) == 4
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()

    run(scenario)


def test_coin_events_reach_the_owner_with_amounts_and_others_not_at_all() -> None:
    # given a player keeping their economy private, their own token, and an anonymous watcher
    ada = _player()
    _, raw_token = api_token_create(user=ada, name="phone")

    async def scenario() -> None:
        owner = await connect(payload={"authorization": f"Bearer {raw_token}"})
        await subscribe(owner, "mine", MY_ACTIVITY)
        watcher = await connect()
        await subscribe(watcher, "theirs", ACTIVITY_ADDED, {"userId": to_global_id("User", ada.pk)})
        await until_listening(ada.pk, 2)

        # when a coin event and a match event are recorded
        await record(ada.pk, 10, "coins_earned", amount=250, reason="TOURNAMENT_PRIZE")
        await record(ada.pk, 11)

        # then the owner sees both, the coin amount included; the watcher only the match
        mine = [(await receive(owner))["payload"]["data"]["myActivity"]["node"] for _ in range(2)]
        assert mine == [{"eventType": "COINS_EARNED", "amount": "250"}, {"eventType": "MATCH_PLAYED", "amount": None}]
        theirs = (await receive(watcher))["payload"]["data"]["activityAdded"]["node"]
        assert theirs["eventType"] == "MATCH_PLAYED"
        assert await watcher.receive_nothing(timeout=0.3)
        await owner.disconnect()
        await watcher.disconnect()

    run(scenario)


def test_a_private_activity_reaches_nobody_else_and_an_economy_made_public_reaches_all() -> None:
    # given a player who made their economy public, watched anonymously
    ada = _player()
    set_privacy(ada, economy_public=True)

    async def scenario() -> None:
        watcher = await connect()
        await subscribe(watcher, "w", ACTIVITY_ADDED, {"userId": to_global_id("User", ada.pk)})
        await until_listening(ada.pk)
        await record(ada.pk, 10, "coins_earned", amount=40, reason="DAILY_REWARD")
        node = (await receive(watcher))["payload"]["data"]["activityAdded"]["node"]
        assert node["amount"] == "40"

        # when the player makes their whole activity private, then records more
        await sync_to_async(set_privacy)(ada, activity_public=False)
        await record(ada.pk, 11)

        # then the watcher receives nothing more (the settings are read when each event arrives)
        assert await watcher.receive_nothing(timeout=0.5)
        await watcher.disconnect()

    run(scenario)


def test_my_activity_needs_a_signed_in_viewer_and_a_bad_token_is_refused() -> None:
    async def scenario() -> None:
        anonymous = await connect()
        await subscribe(anonymous, "1", MY_ACTIVITY)
        error = await receive(anonymous)
        assert error["type"] == "error"
        assert error["payload"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        await anonymous.disconnect()

        from channels.testing import WebsocketCommunicator

        from config.asgi import application

        bad = WebsocketCommunicator(application, "/graphql/", subprotocols=[SUBPROTOCOL])
        await bad.connect()
        await bad.send_json_to({"type": "connection_init", "payload": {"authorization": "Bearer nope"}})
        closed = await bad.receive_output(timeout=5)
        assert (closed["type"], closed["code"]) == ("websocket.close", 4403)

    run(scenario)


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"userId": "not-an-id"}, "BAD_USER_INPUT"),
        ({"userId": "VXNlcjo5OTk5OTk5"}, "NOT_FOUND"),  # User:9999999
        ({"after": "garbage"}, "BAD_USER_INPUT"),
    ],
)
def test_bad_arguments_get_an_error_message_with_a_code(variables: dict[str, Any], code: str) -> None:
    ada = _player()
    variables = {"userId": to_global_id("User", ada.pk), **variables}

    async def scenario() -> None:
        ws = await connect()
        await subscribe(ws, "1", ACTIVITY_ADDED, variables)
        error = await receive(ws)
        assert error["type"] == "error"
        assert error["payload"][0]["extensions"]["code"] == code
        await ws.disconnect()

    run(scenario)


def test_another_players_cursor_is_refused() -> None:
    ada, bob = _player(), _player()

    async def scenario() -> None:
        ws = await connect()
        await subscribe(ws, "1", ACTIVITY_ADDED, {"userId": to_global_id("User", bob.pk)})
        await until_listening(bob.pk)
        await record(bob.pk, 1)
        bobs_cursor = (await receive(ws))["payload"]["data"]["activityAdded"]["cursor"]
        await subscribe(ws, "2", ACTIVITY_ADDED, {"userId": to_global_id("User", ada.pk), "after": bobs_cursor})
        error = await receive(ws)
        assert (error["id"], error["payload"][0]["extensions"]["code"]) == ("2", "BAD_USER_INPUT")
        await ws.disconnect()

    run(scenario)


def test_queries_documents_and_limits_over_the_socket() -> None:
    ada = _player()
    user_id = to_global_id("User", ada.pk)

    async def scenario() -> None:
        ws = await connect()
        await subscribe(ws, "q", "{ __typename }")
        assert (await receive(ws))["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        await subscribe(ws, "p", "subscription { nope")
        assert (await receive(ws))["payload"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        for index in range(10):
            await subscribe(ws, f"s{index}", ACTIVITY_ADDED, {"userId": user_id})
        await subscribe(ws, "one-too-many", ACTIVITY_ADDED, {"userId": user_id})
        refused = await receive(ws)
        assert (refused["id"], refused["payload"][0]["extensions"]["code"]) == ("one-too-many", "RATE_LIMITED")
        # reusing an id that is running closes the connection, as the protocol says
        await subscribe(ws, "s0", ACTIVITY_ADDED, {"userId": user_id})
        closed = await ws.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": 4409, "reason": "Subscriber for s0 already exists"}

    run(scenario)


def test_handshake_rules(settings: Any) -> None:
    from channels.testing import WebsocketCommunicator

    from config.asgi import application

    settings.REALTIME_INIT_TIMEOUT_SECONDS = 0.3

    async def scenario() -> None:
        # a page of another site may not connect (its cookies would sign the victim in)
        foreign = WebsocketCommunicator(
            application, "/graphql/", subprotocols=[SUBPROTOCOL], headers=[(b"origin", b"https://evil.example")]
        )
        assert (await foreign.connect())[0] is False
        # another subprotocol is refused
        other = WebsocketCommunicator(application, "/graphql/", subprotocols=["graphql-ws"])
        assert (await other.connect())[0] is False
        # a subscribe before connection_init closes with 4401
        early = WebsocketCommunicator(application, "/graphql/", subprotocols=[SUBPROTOCOL])
        assert (await early.connect())[0]
        await early.send_json_to({"id": "1", "type": "subscribe", "payload": {"query": "subscription { x }"}})
        assert (await early.receive_output(timeout=5))["code"] == 4401
        # no connection_init in time closes with 4408
        silent = WebsocketCommunicator(application, "/graphql/", subprotocols=[SUBPROTOCOL])
        assert (await silent.connect())[0]
        assert (await silent.receive_output(timeout=5))["code"] == 4408

    run(scenario)


def test_idle_connections_are_pinged_then_closed(settings: Any) -> None:
    settings.REALTIME_KEEPALIVE_SECONDS = 0.2
    settings.REALTIME_IDLE_TIMEOUT_SECONDS = 0.6

    async def scenario() -> None:
        ws = await connect()
        assert await ws.receive_json_from(timeout=5) == {"type": "ping"}
        await ws.send_json_to({"type": "pong"})
        while (message := await ws.receive_output(timeout=5))["type"] != "websocket.close":
            pass
        assert message["code"] == 4001

    run(scenario)
