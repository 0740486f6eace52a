"""CORS for /graphql/, which runs outside Django's middleware: Starlette's CORSMiddleware configured from
settings.CORS_ALLOWED_ORIGINS and settings.CORS_ALLOW_CREDENTIALS.

With no origins listed no request gets CORS headers (same-origin only). Credentials (cookies, so the session)
are allowed for explicitly listed origins only: with "*" every origin may read anonymous and token-authenticated
answers, and none may send cookies.

Starlette adds its fixed headers (Allow-Credentials, Expose-Headers, Allow-Methods...) to every request that has
an Origin, allowed or not; requests from other origins bypass it here and get no Access-Control-* header at all.
"""

from django.conf import settings
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ALLOW_METHODS = ("GET", "POST", "OPTIONS")
ALLOW_HEADERS = (
    "content-type",
    "authorization",
    "x-csrftoken",
    "apollographql-client-name",
    "apollographql-client-version",
)
# Response headers a cross-origin script may read besides the CORS-safelisted ones: the API budget's.
EXPOSE_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Used",
    "X-RateLimit-Reset",
    "Retry-After",
)
PREFLIGHT_MAX_AGE = 600


class _OnlyListedOrigins:
    """Sends requests from allowed origins through CORS and every other request straight to the app."""

    def __init__(self, app: ASGIApp, cors: CORSMiddleware) -> None:
        self.app = app
        self.cors = cors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        if origin is not None and self.cors.is_allowed_origin(origin):
            await self.cors(scope, receive, send)
            return
        if origin is not None and scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            # A preflight from another origin: refused, and nothing in the answer lets the browser go on.
            await PlainTextResponse("Disallowed CORS origin", status_code=400, headers={"Vary": "Origin"})(
                scope, receive, send
            )
            return

        async def send_varying_on_origin(message: Message) -> None:
            if message["type"] == "http.response.start" and origin is not None:
                # The answer differs by Origin when CORS is configured: caches must not share it across origins.
                response_headers = MutableHeaders(scope=message)
                response_headers["Vary"] = ", ".join([*response_headers.getlist("Vary"), "Origin"])
            await send(message)

        await self.app(scope, receive, send_varying_on_origin)


def with_cors(app: ASGIApp) -> ASGIApp:
    """The app behind CORS as configured in the settings (read now: wrap the app once the settings are loaded)."""
    origins = list(settings.CORS_ALLOWED_ORIGINS)
    if not origins:
        return app
    allow_all = "*" in origins
    cors = CORSMiddleware(
        app,
        allow_origins=["*"] if allow_all else origins,
        allow_methods=ALLOW_METHODS,
        allow_headers=ALLOW_HEADERS,
        # Starlette answers a cookie-carrying request under "*" with the caller's origin: never combine the two.
        allow_credentials=bool(settings.CORS_ALLOW_CREDENTIALS) and not allow_all,
        expose_headers=EXPOSE_HEADERS,
        max_age=PREFLIGHT_MAX_AGE,
    )
    return _OnlyListedOrigins(app, cors)
