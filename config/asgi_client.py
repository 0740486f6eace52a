"""An in-process client of the ASGI application (config.asgi): requests take the production path, /graphql/
included, which Django's test client does not reach. The test suite and `manage.py demo_check` use it.

Its calls run on the caller's thread through async_to_sync, so the database work of the request (sent to
Django's database thread) runs on the caller's connection and sees its transaction.
"""

import asyncio
import json
from collections.abc import Mapping, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from asgiref.sync import async_to_sync
from django.test import Client

from config.asgi import application

TEST_CSRF_TOKEN = "t" * 32


class AsgiResponse:
    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], content: bytes) -> None:
        self.status_code = status
        self.headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in headers}
        self.content = content

    def json(self) -> Any:
        return json.loads(self.content)

    def __getitem__(self, name: str) -> str:
        return self.headers[name.lower()]

    def __contains__(self, name: str) -> bool:
        return name.lower() in self.headers


def _header_name(key: str) -> str:
    return key.removeprefix("HTTP_").replace("_", "-").lower() if key.startswith("HTTP_") else key.lower()


class AsgiClient:
    """Django-test-client-like GET/POST against config.asgi.application.

    Built from a Django test client, it sends that client's cookies (so `force_login` works) and, like Django's
    test client unless `enforce_csrf_checks=True`, passes the CSRF check for the session's POSTs.
    """

    def __init__(self, client: Client | None = None, *, client_address: str = "127.0.0.1") -> None:
        self.django_client = client
        self.client_address = client_address

    def _cookies(self) -> SimpleCookie:
        cookies: SimpleCookie = SimpleCookie()
        if self.django_client is not None:
            for key, morsel in self.django_client.cookies.items():
                cookies[key] = morsel.value
        return cookies

    def get(
        self,
        path: str,
        data: Mapping[str, Any] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        **extra: str,
    ) -> AsgiResponse:
        query_string = urlencode(data or {}).encode()
        return self.request("GET", path, query_string=query_string, headers=headers, extra=extra)

    def post(
        self,
        path: str,
        data: Any = None,
        content_type: str = "application/json",
        *,
        headers: Mapping[str, str] | None = None,
        **extra: str,
    ) -> AsgiResponse:
        body = data if isinstance(data, bytes) else json.dumps(data).encode() if data is not None else b""
        all_headers = {"content-type": content_type, **(headers or {})}
        return self.request("POST", path, body=body, headers=all_headers, extra=extra)

    def request(
        self,
        method: str,
        path: str,
        *,
        query_string: bytes = b"",
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> AsgiResponse:
        names = {"host": "testserver", **{k.lower(): v for k, v in (headers or {}).items()}}
        names.update({_header_name(key): value for key, value in (extra or {}).items()})
        cookies = self._cookies()
        enforce_csrf = self.django_client is not None and self.django_client.handler.enforce_csrf_checks
        if method == "POST" and self.django_client is not None and not enforce_csrf and cookies:
            cookies["csrftoken"] = TEST_CSRF_TOKEN
            names.setdefault("x-csrftoken", TEST_CSRF_TOKEN)
        if cookies:
            names["cookie"] = "; ".join(f"{key}={morsel.value}" for key, morsel in cookies.items())
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query_string,
            "root_path": "",
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in names.items()],
            "client": (self.client_address, 50000),
            "server": ("testserver", 80),
        }
        return async_to_sync(_run)(scope, body)


async def _run(scope: dict[str, Any], body: bytes) -> AsgiResponse:
    sent_body = False
    finished = asyncio.Event()
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": body, "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                finished.set()

    await application(scope, receive, send)
    finished.set()
    return AsgiResponse(start.get("status", 0), start.get("headers", []), b"".join(chunks))
