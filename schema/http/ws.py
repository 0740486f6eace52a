"""GraphQL subscriptions over WebSocket: the graphql-transport-ws protocol (the `graphql-ws` client, Apollo,
urql, Relay), as a plain ASGI application routed by config/asgi.py.

https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md. The client sends `connection_init` (with an
optional `{"authorization": "Bearer <token>"}` payload) within the init timeout; the server answers
`connection_ack`, then serves `subscribe` / `complete` per operation id, answers pings and sends its own. A
connection without a subscription for the idle timeout is closed, as is one that stops answering pings.
Only subscriptions are served here: queries and mutations go over HTTP.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, MutableMapping
from http.cookies import SimpleCookie
from typing import Any

import orjson

from schema.execution import UNAVAILABLE
from schema.http.auth import Viewer, viewer_of
from schema.http.budget import budget_key
from schema.http.errors import HttpError
from schema.realtime.limits import SLOTS_UNAVAILABLE, Limits, Slot, SlotsUnavailable, limits, origin_check, viewer_slots
from schema.realtime.operation import SubscriptionRefused, subscription_start

logger = logging.getLogger("deltacrown.realtime")

SUBPROTOCOL = "graphql-transport-ws"

# The protocol's close codes.
BAD_REQUEST = 4400
UNAUTHORIZED = 4401
FORBIDDEN = 4403
INIT_TIMEOUT = 4408
SUBSCRIBER_EXISTS = 4409
TOO_MANY_INITS = 4429
# Ours: the client stopped answering pings, or kept the connection open without subscribing.
NO_PONG = 4000
IDLE = 4001

Scope = MutableMapping[str, Any]


def request_headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}


def request_cookies(headers: dict[str, str]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    with contextlib.suppress(Exception):
        jar.load(headers.get("cookie", ""))
    return {name: morsel.value for name, morsel in jar.items()}


def _token_header(payload: Any) -> str | None:
    """The Authorization value a connection_init payload carries: {"authorization": "Bearer t"} or {"token": t}."""
    if not isinstance(payload, dict):
        return None
    for key in ("authorization", "Authorization"):
        if isinstance(payload.get(key), str):
            return payload[key]
    token = payload.get("token")
    return f"Bearer {token}" if isinstance(token, str) else None


class _Connection:
    def __init__(self, scope: Scope, receive: Any, send: Any, limits: Limits) -> None:
        self.scope = scope
        self.receive_message = receive
        self._send = send
        self.limits = limits
        self.headers = request_headers(scope)
        self.viewer: Viewer | None = None
        self.viewer_key = ""
        self.subscriptions: dict[str, asyncio.Task[None]] = {}
        self.send_lock = asyncio.Lock()
        self.last_heard = time.monotonic()
        self.idle_since: float | None = time.monotonic()
        self.closed = False
        self.cookies_allowed = True

    async def send_json(self, message: dict[str, Any]) -> None:
        if self.closed:
            return
        async with self.send_lock:
            await self._send({"type": "websocket.send", "text": orjson.dumps(message).decode()})

    async def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(Exception):
            await self._send({"type": "websocket.close", "code": code, "reason": reason[:120]})

    # --- the handshake -------------------------------------------------------------------------------------

    async def accept(self) -> bool:
        message = await self.receive_message()
        if message["type"] != "websocket.connect":
            return False
        check = origin_check(origin=self.headers.get("origin"), host=self.headers.get("host"))
        if SUBPROTOCOL not in self.scope.get("subprotocols", []) or not check.allowed:
            # Refused before accepting: the client sees HTTP 403 (a foreign page, or another protocol).
            await self._send({"type": "websocket.close", "code": 1002 if check.allowed else 1008})
            return False
        self.cookies_allowed = check.cookies
        await self._send({"type": "websocket.accept", "subprotocol": SUBPROTOCOL})
        return True

    async def authenticate(self, payload: Any) -> bool:
        headers: dict[str, str] = {}
        token = _token_header(payload)
        if token is not None:
            headers["authorization"] = token
        cookies = request_cookies(self.headers) if self.cookies_allowed and token is None else {}
        http_scope = {**self.scope, "type": "http", "method": "GET"}
        try:
            self.viewer = await viewer_of(scope=http_scope, headers=headers, cookies=cookies)
        except HttpError as error:
            await self.close(FORBIDDEN, error.message)
            return False
        user = self.viewer.user
        # Whose budget and whose subscriptions: the player, else the client's address (TRUSTED_PROXIES aware).
        self.viewer_key = budget_key(scope=self.scope, headers=self.headers, user_id=user.pk if user else None)
        return True

    # --- messages ------------------------------------------------------------------------------------------

    async def run(self) -> None:
        if not await self.accept():
            return
        timers = asyncio.create_task(self._timers())
        try:
            await self._read()
        finally:
            timers.cancel()
            for task in list(self.subscriptions.values()):
                task.cancel()
            await asyncio.gather(*self.subscriptions.values(), return_exceptions=True)

    async def _read(self) -> None:
        while True:
            message = await self.receive_message()
            if message["type"] == "websocket.disconnect":
                self.closed = True
                return
            text = message.get("text")
            if text is None and message.get("bytes") is not None:
                text = message["bytes"].decode("utf-8", "replace")
            self.last_heard = time.monotonic()
            if text is None or len(text) > self.limits.max_message_bytes:
                await self.close(BAD_REQUEST, "Messages are JSON text of at most 64 KiB.")
                return
            try:
                data = orjson.loads(text)
            except orjson.JSONDecodeError:
                data = None
            if not isinstance(data, dict) or not isinstance(data.get("type"), str):
                await self.close(BAD_REQUEST, "Invalid message received: a JSON object with a `type`.")
                return
            if not await self._handle(data):
                return

    async def _handle(self, data: dict[str, Any]) -> bool:
        kind = data["type"]
        if kind == "connection_init":
            if self.viewer is not None:
                await self.close(TOO_MANY_INITS, "Too many initialisation requests")
                return False
            if not await self.authenticate(data.get("payload")):
                return False
            await self.send_json({"type": "connection_ack"})
            return True
        if kind == "ping":
            await self.send_json({"type": "pong"})
            return True
        if kind == "pong":
            return True
        if self.viewer is None:
            await self.close(UNAUTHORIZED, "Unauthorized")
            return False
        operation_id = data.get("id")
        if not isinstance(operation_id, str) or not operation_id:
            await self.close(BAD_REQUEST, f"Invalid message received: `{kind}` needs an `id`.")
            return False
        if kind == "subscribe":
            payload = data.get("payload")
            if not isinstance(payload, dict):
                await self.close(BAD_REQUEST, "Invalid message received: `subscribe` needs a `payload` object.")
                return False
            if operation_id in self.subscriptions:
                await self.close(SUBSCRIBER_EXISTS, f"Subscriber for {operation_id[:40]} already exists")
                return False
            await self._subscribe(operation_id, payload)
            return True
        if kind == "complete":
            task = self.subscriptions.pop(operation_id, None)
            if task is not None:
                task.cancel()
            return True
        await self.close(BAD_REQUEST, f"Invalid message received: unknown type {kind[:40]!r}.")
        return False

    async def _subscribe(self, operation_id: str, payload: dict[str, Any]) -> None:
        limit = self.limits
        if len(self.subscriptions) >= limit.per_connection:
            await self._refuse(operation_id, f"At most {limit.per_connection} subscriptions per connection.")
            return
        try:
            # Counted over every server process (Redis): schema/realtime/limits.py.
            slot = await viewer_slots().take(self.viewer_key, limit.per_viewer)
        except SlotsUnavailable:
            logger.warning("The subscription count store did not answer: subscription refused.", exc_info=True)
            await self._refuse(operation_id, SLOTS_UNAVAILABLE, code="SERVICE_UNAVAILABLE")
            return
        if slot is None:
            await self._refuse(operation_id, f"At most {limit.per_viewer} subscriptions open at once per viewer.")
            return
        self.idle_since = None
        # Started and run on a task of its own: the connection keeps reading (pongs, completes, other
        # subscribes) while this one waits for the database.
        task = asyncio.create_task(self._run(operation_id, payload, slot))
        # _run gives the slot back when it ends; this also covers a task cancelled before it ever ran.
        task.add_done_callback(lambda _task: slot.release())
        self.subscriptions[operation_id] = task

    async def _refuse(self, operation_id: str, message: str, code: str = "RATE_LIMITED") -> None:
        error = {"message": message, "extensions": {"code": code}}
        await self.send_json({"id": operation_id, "type": "error", "payload": [error]})

    async def _run(self, operation_id: str, payload: dict[str, Any], slot: Slot) -> None:
        payloads: AsyncIterator[dict[str, Any]] | None = None
        completed_by_server = False
        try:
            assert self.viewer is not None
            payloads = await subscription_start(
                query=payload.get("query"),
                operation_name=payload.get("operationName"),
                variables=payload.get("variables"),
                viewer=self.viewer,
                budget_key=self.viewer_key,
            )
            async for result in payloads:
                await self.send_json({"id": operation_id, "type": "next", "payload": result})
            completed_by_server = True
        except asyncio.CancelledError:
            pass
        except SubscriptionRefused as refused:
            await self.send_json({"id": operation_id, "type": "error", "payload": refused.errors})
        except UNAVAILABLE:
            logger.warning("Database unavailable while running a subscription.", exc_info=True)
            error = {
                "message": "The database is unavailable; retry later.",
                "extensions": {"code": "SERVICE_UNAVAILABLE"},
            }
            await self.send_json({"id": operation_id, "type": "error", "payload": [error]})
        except Exception:
            logger.exception("A live subscription failed.")
            error = {"message": "Unexpected error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
            await self.send_json({"id": operation_id, "type": "error", "payload": [error]})
        finally:
            if payloads is not None:
                with contextlib.suppress(Exception):
                    await payloads.aclose()  # type: ignore[attr-defined]
            await slot.give_back()  # before `complete`: a client that then subscribes again finds its place free
            if self.subscriptions.get(operation_id) is asyncio.current_task():
                del self.subscriptions[operation_id]
            if completed_by_server:
                await self.send_json({"id": operation_id, "type": "complete"})
            if not self.subscriptions:
                self.idle_since = time.monotonic()

    async def _timers(self) -> None:
        """connection_init within its timeout; pings; idle and silent connections closed."""
        limit = self.limits
        started = time.monotonic()
        last_ping = time.monotonic()
        while not self.closed:
            # Fine-grained until connection_init, then a few wake-ups per keep-alive interval (one task per
            # connection: a thousand idle connections should not wake the loop a thousand times a second).
            if self.viewer is None:
                tick = min(1.0, limit.init_timeout, limit.keepalive, limit.idle_timeout)
            else:
                tick = max(0.05, min(5.0, limit.keepalive / 3, limit.idle_timeout / 3))
            await asyncio.sleep(tick)
            now = time.monotonic()
            if self.viewer is None and now - started > limit.init_timeout:
                await self.close(INIT_TIMEOUT, "Connection initialisation timeout")
                return
            if self.idle_since is not None and now - self.idle_since > limit.idle_timeout:
                await self.close(IDLE, "Idle: no subscription")
                return
            if now - self.last_heard > 2 * limit.keepalive + tick:
                await self.close(NO_PONG, "No answer to pings")
                return
            if self.viewer is not None and now - last_ping >= limit.keepalive:
                last_ping = now
                await self.send_json({"type": "ping"})


async def websocket_endpoint(scope: Scope, receive: Any, send: Any) -> None:
    """The ASGI application for WebSocket connections to /graphql/."""
    await _Connection(scope, receive, send, limits()).run()
