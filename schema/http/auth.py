"""Who is asking: a Bearer API token, else the Django session cookie, else nobody.

Each costs one trip to the database thread, and only when the request carries it: an anonymous request
touches neither the session store nor the token table.
"""

import io
from collections.abc import MutableMapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.auth.models import User
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

from apps.api_tokens.services import InvalidApiTokenError, api_token_authenticate
from schema.db import run_sync
from schema.http.errors import HttpError

CSRF_FAILURE = (
    "CSRF check failed: a mutation with a session cookie needs the csrftoken cookie's value in the "
    "X-CSRFToken header (or use an API token)."
)
BAD_AUTHORIZATION = "The Authorization header must be 'Bearer <API token>'."


@dataclass(frozen=True, slots=True)
class Viewer:
    user: User | None
    # The request of a cookie session sent by POST: its mutations must pass Django's CSRF check.
    csrf_request: HttpRequest | None = None

    def csrf_failure(self) -> str | None:
        """Why this viewer's mutation is refused (None: it may run). Asked for mutations only: the check
        costs a middleware's work and logs every failure, and queries need none."""
        return _csrf_failure(self.csrf_request) if self.csrf_request is not None else None


ANONYMOUS = Viewer(user=None)


def _unauthorized(message: str) -> HttpError:
    return HttpError(
        status=401, message=message, code="UNAUTHENTICATED", headers={"www-authenticate": 'Bearer realm="graphql"'}
    )


def _csrf_failure(request: HttpRequest) -> str | None:
    def protected_view(request: HttpRequest) -> HttpResponse:  # a stand-in that is not csrf_exempt
        return HttpResponse()

    rejected = CsrfViewMiddleware(lambda request: HttpResponse()).process_view(request, protected_view, (), {})
    return CSRF_FAILURE if rejected is not None else None


def _session_viewer(scope: MutableMapping[str, Any], session_key: str) -> Viewer:
    request = ASGIRequest(dict(scope), io.BytesIO())
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(request)
    if not user.is_authenticated:
        return ANONYMOUS
    # Browsers send cookies on cross-site requests too: only a session needs the CSRF token.
    return Viewer(user=user, csrf_request=request if scope["method"] == "POST" else None)


async def viewer_of(*, scope: MutableMapping[str, Any], headers: dict[str, str], cookies: dict[str, str]) -> Viewer:
    authorization = headers.get("authorization")
    if authorization is not None:
        scheme, _, raw_token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not raw_token.strip():
            raise _unauthorized(BAD_AUTHORIZATION)
        try:
            user = await run_sync(api_token_authenticate, raw_token=raw_token.strip())
        except InvalidApiTokenError as error:
            raise _unauthorized(str(error)) from error
        return Viewer(user=user)
    session_key = cookies.get(settings.SESSION_COOKIE_NAME)
    if session_key:
        return await run_sync(_session_viewer, scope, session_key)
    return ANONYMOUS
