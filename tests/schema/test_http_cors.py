"""CORS around the API's ASGI app (schema.http.cors.with_cors), driven as a plain ASGI app: listed origins get
the CORS headers and credentials, every other origin gets none."""

import asyncio
from typing import Any

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from schema.http.cors import with_cors

SPA = "https://app.example.com"
OTHER = "https://evil.example.net"


async def api(scope: Scope, receive: Receive, send: Send) -> None:
    """A stand-in for the GraphQL app: 200 with a budget header."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"x-ratelimit-remaining", b"4990")],
        }
    )
    await send({"type": "http.response.body", "body": b'{"data":{}}'})


def request(method: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=with_cors(api))
        async with httpx.AsyncClient(transport=transport, base_url="https://api.example.com") as client:
            return await client.request(method, "/graphql/", headers=headers, **kwargs)

    return asyncio.run(call())


def preflight(origin: str, request_headers: str = "content-type, x-csrftoken") -> httpx.Response:
    return request(
        "OPTIONS",
        {
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": request_headers,
        },
    )


def post(origin: str | None, **headers: str) -> httpx.Response:
    if origin is not None:
        headers["origin"] = origin
    return request("POST", headers, json={"query": "{ __typename }"})


def cors_headers(response: httpx.Response) -> set[str]:
    return {name.lower() for name in response.headers if name.lower().startswith("access-control-")}


@pytest.fixture
def spa_allowed(settings):
    settings.CORS_ALLOWED_ORIGINS = [SPA, "http://localhost:5173"]
    settings.CORS_ALLOW_CREDENTIALS = True


def test_preflight_from_a_listed_origin_is_allowed(spa_allowed):
    # when
    response = preflight(SPA, "content-type, authorization, x-csrftoken, apollographql-client-name")
    # then
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SPA
    assert response.headers["access-control-allow-credentials"] == "true"
    assert set(response.headers["access-control-allow-methods"].split(", ")) == {"GET", "POST", "OPTIONS"}
    allowed_headers = {h.lower() for h in response.headers["access-control-allow-headers"].split(", ")}
    assert {
        "content-type",
        "authorization",
        "x-csrftoken",
        "apollographql-client-name",
        "apollographql-client-version",
    } <= allowed_headers
    assert response.headers["access-control-max-age"] == "600"
    assert "Origin" in response.headers["vary"]


def test_preflight_from_an_unlisted_origin_gets_no_cors_headers(spa_allowed):
    # when
    response = preflight(OTHER)
    # then
    assert response.status_code == 400
    assert cors_headers(response) == set()


def test_preflight_for_an_unlisted_header_is_refused(spa_allowed):
    response = preflight(SPA, "x-custom")
    assert response.status_code == 400


def test_a_post_from_a_listed_origin_may_use_credentials_and_read_the_budget(spa_allowed):
    # when
    response = post(SPA, cookie="sessionid=abc")
    # then
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SPA
    assert response.headers["access-control-allow-credentials"] == "true"
    exposed = {h.strip().lower() for h in response.headers["access-control-expose-headers"].split(",")}
    assert exposed == {
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-used",
        "x-ratelimit-reset",
        "retry-after",
    }
    assert "Origin" in response.headers["vary"]


def test_a_post_from_an_unlisted_origin_gets_no_cors_headers(spa_allowed):
    # when
    response = post(OTHER, cookie="sessionid=abc")
    # then the app answers (the browser withholds it from the page) without any CORS header
    assert response.status_code == 200
    assert cors_headers(response) == set()
    assert "Origin" in response.headers["vary"]


def test_same_origin_and_non_browser_requests_pass_untouched(spa_allowed):
    response = post(None)
    assert response.status_code == 200
    assert cors_headers(response) == set()


def test_without_origins_the_api_is_same_origin_only(settings):
    # given the default
    settings.CORS_ALLOWED_ORIGINS = []
    # then nobody gets CORS headers
    assert cors_headers(post(SPA)) == set()
    assert cors_headers(preflight(SPA)) == set()


def test_any_origin_never_gets_credentials(settings):
    # given "*" (with credentials asked for: they are refused anyway)
    settings.CORS_ALLOWED_ORIGINS = ["*"]
    settings.CORS_ALLOW_CREDENTIALS = True
    # when
    simple = post(OTHER, cookie="sessionid=abc")
    pre = preflight(OTHER)
    # then any origin may read anonymous and token answers, never with cookies
    assert simple.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in simple.headers
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in pre.headers


def test_listed_origins_without_credentials(settings):
    settings.CORS_ALLOWED_ORIGINS = [SPA]
    settings.CORS_ALLOW_CREDENTIALS = False
    response = post(SPA)
    assert response.headers["access-control-allow-origin"] == SPA
    assert "access-control-allow-credentials" not in response.headers
