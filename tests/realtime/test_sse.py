"""Subscriptions over Server-Sent Events through the ASGI application."""

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from asgiref.testing import ApplicationCommunicator

from apps.user_profile.models import UserProfileStats
from schema.node import to_global_id
from tests.factories import UserFactory
from tests.realtime.conftest import ACTIVITY_ADDED, record, run, until_listening

pytestmark = pytest.mark.django_db(transaction=True)


def _scope(
    variables: dict[str, Any], *, query: str = ACTIVITY_ADDED, last_event_id: str | None = None
) -> dict[str, Any]:
    headers = [(b"accept", b"text/event-stream"), (b"host", b"testserver")]
    if last_event_id is not None:
        headers.append((b"last-event-id", last_event_id.encode()))
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": "/graphql/",
        "raw_path": b"/graphql/",
        "query_string": urlencode({"query": query, "variables": json.dumps(variables)}).encode(),
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "scheme": "http",
    }


def _events(chunk: bytes) -> list[dict[str, str]]:
    events = []
    for block in chunk.decode().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
        if fields:
            events.append(fields)
    return events


async def _open(scope: dict[str, Any]) -> ApplicationCommunicator:
    from config.asgi import application

    stream = ApplicationCommunicator(application, scope)
    await stream.send_input({"type": "http.request", "body": b"", "more_body": False})
    return stream


def _player() -> Any:
    player = UserFactory()
    UserProfileStats.objects.get_or_create(user_id=player.pk)
    return player


def test_events_stream_with_their_cursors_as_ids_and_last_event_id_resumes() -> None:
    # given a player watched over SSE
    ada = _player()
    variables = {"userId": to_global_id("User", ada.pk)}

    async def scenario() -> None:
        stream = await _open(_scope(variables))
        start = await stream.receive_output(timeout=5)
        assert start["status"] == 200
        assert dict(start["headers"])[b"content-type"] == b"text/event-stream; charset=utf-8"

        # when an event is recorded
        await until_listening(ada.pk)
        await record(ada.pk, 1)

        # then it arrives as `event: next`, its cursor as the SSE id
        (event,) = _events((await stream.receive_output(timeout=5))["body"])
        data = json.loads(event["data"])["data"]["activityAdded"]
        assert (event["event"], event["id"]) == ("next", data["cursor"])
        assert data["node"]["eventType"] == "MATCH_PLAYED"
        await stream.send_input({"type": "http.disconnect"})
        await stream.wait(timeout=5)

        # and an EventSource reconnecting with Last-Event-ID gets exactly what came after it
        await record(ada.pk, 2, "match_won")
        resumed = await _open(_scope(variables, last_event_id=event["id"]))
        assert (await resumed.receive_output(timeout=5))["status"] == 200
        (missed,) = _events((await resumed.receive_output(timeout=5))["body"])
        assert json.loads(missed["data"])["data"]["activityAdded"]["node"]["eventType"] == "MATCH_WON"
        await resumed.send_input({"type": "http.disconnect"})
        await resumed.wait(timeout=5)

    run(scenario)


def test_a_subscription_that_cannot_start_gets_a_json_error_with_its_code() -> None:
    async def scenario() -> None:
        stream = await _open(_scope({"userId": "nope"}))
        start = await stream.receive_output(timeout=5)
        body = json.loads((await stream.receive_output(timeout=5))["body"])
        assert start["status"] == 400
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

        query = await _open(_scope({}, query="{ __typename }"))
        assert (await query.receive_output(timeout=5))["status"] == 400

    run(scenario)
