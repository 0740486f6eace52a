"""GraphQL subscriptions over Server-Sent Events (GraphQL over SSE, "distinct connections" mode), for clients
behind proxies that drop WebSockets and for the browser's EventSource (the /me/activity/ page).

A GET (parameters in the query string) or POST (a JSON body) to /graphql/ with `Accept: text/event-stream`
runs one subscription: each payload is an `event: next` with its cursor as the SSE `id`, and `event: complete`
ends it. A reconnecting EventSource sends the last `id` as `Last-Event-ID`, taken as the `after` variable,
so the browser resumes without a gap (it replaces the URL's `after`, which is older). A request that cannot start gets a JSON answer with the API's error
codes (400, 401, 429), never a stream. Comments keep proxies from closing a quiet stream.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson
from django.conf import settings

from schema.execution import UNAVAILABLE
from schema.http.auth import viewer_of
from schema.http.budget import budget_key
from schema.http.errors import HttpError
from schema.http.request import GraphQLParams, params_from_body, params_from_query_string
from schema.http.ws import request_cookies, request_headers
from schema.realtime.limits import SLOTS_UNAVAILABLE, SlotsUnavailable, limits, origin_check, viewer_slots
from schema.realtime.operation import SubscriptionRefused, subscription_start

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

EVENT_STREAM = "text/event-stream"

logger = logging.getLogger("deltacrown.realtime")


def wants_event_stream(scope: Scope) -> bool:
    """An API request asking for an event stream (checked only on /graphql/ requests)."""
    for name, value in scope["headers"]:
        if name == b"accept":
            return EVENT_STREAM.encode() in value
    return False


async def _json_answer(send: Send, status: int, errors: list[dict[str, Any]], headers: dict[str, str]) -> None:
    body = orjson.dumps({"errors": errors})
    raw = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _params(scope: Scope, receive: Receive, headers: dict[str, str]) -> GraphQLParams:
    if scope["method"] == "GET":
        return params_from_query_string(scope.get("query_string", b""))
    if scope["method"] != "POST":
        raise HttpError(status=405, message="Subscribe with GET or POST.", headers={"allow": "GET, POST"})
    limit: int = settings.GRAPHQL_MAX_BODY_BYTES
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise asyncio.CancelledError
        size += len(message.get("body", b""))
        if size > limit:
            raise HttpError(status=413, message=f"The request body is larger than {limit:,} bytes.")
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return params_from_body(content_type=headers.get("content-type", ""), body=b"".join(chunks))


async def sse_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    headers = request_headers(scope)
    check = origin_check(origin=headers.get("origin"), host=headers.get("host"))
    try:
        if not check.allowed:
            raise HttpError(status=403, message="This origin may not subscribe.", code="FORBIDDEN")
        params = await _params(scope, receive, headers)
        variables = dict(params.variables or {})
        if headers.get("last-event-id"):  # a reconnecting EventSource: the last cursor it received
            variables["after"] = headers["last-event-id"]
        cookies = request_cookies(headers) if check.cookies else {}
        viewer = await viewer_of(scope={**scope, "method": "GET"}, headers=headers, cookies=cookies)
    except HttpError as error:
        payload = {"message": error.message, "extensions": {"code": error.code, **error.extensions}}
        await _json_answer(send, error.status, [payload], error.headers)
        return
    user = viewer.user
    viewer_key = budget_key(scope=scope, headers=headers, user_id=user.pk if user is not None else None)
    limit = limits()
    try:
        # Counted over every server process (Redis): schema/realtime/limits.py.
        slot = await viewer_slots().take(viewer_key, limit.per_viewer)
    except SlotsUnavailable:
        logger.warning("The subscription count store did not answer: subscription refused.", exc_info=True)
        unavailable = {"message": SLOTS_UNAVAILABLE, "extensions": {"code": "SERVICE_UNAVAILABLE"}}
        await _json_answer(send, 503, [unavailable], {"retry-after": "5"})
        return
    if slot is None:
        message = f"At most {limit.per_viewer} subscriptions open at once per viewer."
        await _json_answer(send, 429, [{"message": message, "extensions": {"code": "RATE_LIMITED"}}], {})
        return
    try:
        try:
            payloads = await subscription_start(
                query=params.query,
                operation_name=params.operation_name,
                variables=variables,
                viewer=viewer,
                budget_key=viewer_key,
            )
        except SubscriptionRefused as refused:
            limited = refused.errors[0].get("extensions", {}).get("code") == "RATE_LIMITED"
            await _json_answer(send, 429 if limited else 400, refused.errors, {})
            return
        except UNAVAILABLE:
            logger.warning("Database unavailable while starting a subscription.", exc_info=True)
            unavailable = {
                "message": "The database is unavailable; retry later.",
                "extensions": {"code": "SERVICE_UNAVAILABLE"},
            }
            await _json_answer(send, 503, [unavailable], {"retry-after": "5"})
            return
        await _stream(payloads, receive, send, keepalive=limit.keepalive)
    finally:
        await slot.give_back()


async def _stream(payloads: Any, receive: Receive, send: Send, *, keepalive: float) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"text/event-stream; charset=utf-8"),
                (b"cache-control", b"no-cache"),
                (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
            ],
        }
    )
    lock = asyncio.Lock()

    async def write(chunk: bytes) -> None:
        async with lock:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})

    async def forward() -> None:
        async for payload in payloads:
            cursor = _cursor_of(payload)
            head = f"id: {cursor}\n".encode() if cursor else b""
            await write(head + b"event: next\ndata: " + orjson.dumps(payload) + b"\n\n")

    async def keep_alive() -> None:
        while True:
            await asyncio.sleep(keepalive)
            await write(b": keep-alive\n\n")

    async def client_left() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    tasks = [asyncio.create_task(forward()), asyncio.create_task(keep_alive()), asyncio.create_task(client_left())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        if tasks[0] in done and tasks[0].exception() is None:
            await write(b"event: complete\ndata:\n\n")
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(Exception):
            await payloads.aclose()
        with contextlib.suppress(Exception):
            await send({"type": "http.response.body", "body": b"", "more_body": False})


def _cursor_of(payload: dict[str, Any]) -> str | None:
    data = payload.get("data") or {}
    for value in data.values():
        if isinstance(value, dict) and isinstance(value.get("cursor"), str):
            return str(value["cursor"])
    return None
