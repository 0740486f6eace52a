"""Helpers for driving the GraphQL API through its HTTP endpoint."""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.asgi import AsgiClient

GraphQLCall = Callable[..., dict[str, Any]]


def graphql(
    client: Client | AsgiClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    method: str = "post",
    **headers: Any,
) -> dict[str, Any]:
    """Run one operation through the ASGI application (with the Django client's cookies, if one is given);
    returns the decoded JSON body (without `extensions`) and the HTTP status under `_status`."""
    api = client if isinstance(client, AsgiClient) else AsgiClient(client)
    if method == "get":
        params = {"query": query}
        if variables:
            params["variables"] = json.dumps(variables)
        response = api.get("/graphql/", params, **headers)
    else:
        response = api.post("/graphql/", {"query": query, "variables": variables or {}}, **headers)
    body = response.json()
    body["_status"] = response.status_code
    # Cost and budget ride along on every response: tests/schema/test_cost.py and test_budgets.py check them.
    body.pop("extensions", None)
    return body


@pytest.fixture
def api(client: Client) -> AsgiClient:
    """The ASGI application, with the cookies of the `client` fixture (log in through that one)."""
    return AsgiClient(client)


@pytest.fixture
def gql(client: Client) -> GraphQLCall:
    def call(query: str, variables: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        return graphql(client, query, variables, **kwargs)

    return call


def error_messages(body: dict[str, Any]) -> list[str]:
    return [error["message"] for error in body.get("errors", [])]


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """The SQL run on this thread's connection inside the block (where the view's ORM work runs in tests).

    An execute wrapper, not CaptureQueriesContext: the test client's request_started signal resets the
    connection's query log mid-block, which makes that one undercount.
    """
    executed: list[str] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield executed
