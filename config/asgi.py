"""The ASGI application: /graphql/ API requests go straight to the GraphQL endpoint, WebSocket connections to
/graphql/ to the live subscriptions (schema/http/ws.py), everything else (pages, the admin, GraphiQL's page,
/metrics) to Django. One application serves HTTP and WebSocket: `uvicorn config.asgi:application`.

The API does not pass through Django's middleware: under ASGI each synchronous middleware costs thread hops,
all serialised on one thread, and the API needs none of them (it reads its own token or session cookie).
"""

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()

from schema.http.app import graphql_endpoint  # noqa: E402  (needs Django set up)
from schema.http.cors import with_cors  # noqa: E402
from schema.http.sse import sse_endpoint, wants_event_stream  # noqa: E402
from schema.http.ws import websocket_endpoint  # noqa: E402

# CORS for the SPA's origins (settings.CORS_ALLOWED_ORIGINS); the API answers other origins without CORS headers.
graphql_api = with_cors(graphql_endpoint)
graphql_event_stream = with_cors(sse_endpoint)  # subscriptions over SSE (Accept: text/event-stream)

GRAPHQL_PATHS = {"/graphql/", "/graphql"}

# Django runs each request's synchronous view and middleware on a thread of its own, and each thread holds a
# pooled database connection until its response is sent: 64 concurrent page requests took 64 threads, emptied
# the pool (DATABASE_POOL_MAX) and failed the late ones after DATABASE_POOL_TIMEOUT. The requests past this many
# wait here instead, on the event loop, holding neither thread nor connection. One process's Python runs one
# thread at a time, so a few are enough to overlap one page's SQL with another's rendering.
django_requests = asyncio.Semaphore(settings.DJANGO_CONCURRENT_REQUESTS)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


API_PARAMETERS = {"query", "extensions", "documentId", "id"}


def is_graphiql_page_request(scope: Scope) -> bool:
    """A browser opening the endpoint: GET, HTML accepted, nothing to run. Django serves that page."""
    if scope["method"] != "GET":
        return False
    query_string = scope.get("query_string", b"").decode("latin-1")
    if any(pair.partition("=")[0] in API_PARAMETERS for pair in query_string.split("&")):
        return False
    accept = next((value for name, value in scope["headers"] if name.lower() == b"accept"), b"")
    return b"text/html" in accept


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http" and scope["path"] in GRAPHQL_PATHS and not is_graphiql_page_request(scope):
        if wants_event_stream(scope):
            await graphql_event_stream(scope, receive, send)
            return
        await graphql_api(scope, receive, send)
        return
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] == "websocket":
        if scope["path"] in GRAPHQL_PATHS:
            await websocket_endpoint(scope, receive, send)
        else:
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008})
        return
    async with django_requests:
        await django_application(scope, receive, send)  # type: ignore[arg-type]


def _say_what_is_per_process() -> None:
    if not settings.REDIS_URL:
        logging.getLogger("deltacrown.api").warning(
            "REDIS_URL is not set: API budgets and automatic persisted queries are kept per process, so each "
            "worker process grants its own budget. Set REDIS_URL to share them."
        )
        logging.getLogger("deltacrown.realtime").warning(
            "REDIS_URL is not set: live subscriptions use the in-memory channel layer, so they receive only the "
            "events recorded by this process (the single-process demo), and each process counts a viewer's "
            "subscriptions against the limit on its own. Set REDIS_URL to fan out and count across processes."
        )


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            _say_what_is_per_process()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
